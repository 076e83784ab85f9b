/**
 * Server fan-out: thousands of SSE connections on one stream at a steady append rate, delivery
 * latency and server cost, server-stub beside the Durable Streams Node reference server in the same
 * run; plus a catch-up read of both with the same raw client.
 */
@NullMarked
package dev.rstream.benchmarks.fanout;

import org.jspecify.annotations.NullMarked;
