/**
 * JMH benchmark of SSE parsing: rstream's reader against OkHttp's {@code okhttp-sse} reader and
 * LaunchDarkly's {@code okhttp-eventsource} parser, on the same in-memory event streams.
 */
@NullMarked
package dev.rstream.benchmarks.sse;

import org.jspecify.annotations.NullMarked;
