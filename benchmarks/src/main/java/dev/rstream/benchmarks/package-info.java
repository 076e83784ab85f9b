/** Benchmarks: JMH micro benchmarks and end-to-end harnesses. */
package dev.rstream.benchmarks;
