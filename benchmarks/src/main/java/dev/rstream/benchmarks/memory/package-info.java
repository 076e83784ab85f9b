/** What a client holds in memory while it scrubs through long histories. */
@NullMarked
package dev.rstream.benchmarks.memory;

import org.jspecify.annotations.NullMarked;
