/**
 * The Durable Streams HTTP surface of server-stub on Jetty 12's core handler API: routing, request
 * validation, answers (including the write path's refusals, see {@code ..write}), and asynchronous
 * live reads (long-poll and SSE) that hold no thread while they wait.
 */
@NullMarked
package dev.rstream.server.http;

import org.jspecify.annotations.NullMarked;
