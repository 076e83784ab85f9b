/**
 * End-to-end benchmarks: an in-process {@code server-stub} over loopback, measured through the
 * public rstream API against the raw limit of the same bytes. Entry point: {@link
 * dev.rstream.benchmarks.e2e.EndToEndBenchmarks}.
 */
@NullMarked
package dev.rstream.benchmarks.e2e;

import org.jspecify.annotations.NullMarked;
