/** Disk figures of server-stub's durable store: what retention and compaction give back. */
@NullMarked
package dev.rstream.benchmarks.disk;

import org.jspecify.annotations.NullMarked;
