/** The keyframer's throughput and its lag behind the tail. */
package dev.rstream.benchmarks.keyframer;
