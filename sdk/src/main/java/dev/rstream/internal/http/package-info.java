/**
 * The Durable Streams transport over OkHttp.
 *
 * <ul>
 *   <li>{@link dev.rstream.internal.http.StreamEndpoint}: one stream's URL, client, policy, and
 *       the dynamic headers and parameters computed for every request.
 *   <li>{@link dev.rstream.internal.http.StreamCalls}: create, head, delete, append, close as
 *       retried {@code Single}s ({@link dev.rstream.internal.http.CallSingle} +
 *       {@link dev.rstream.internal.http.Retrying}).
 *   <li>{@link dev.rstream.internal.http.ReadFlowable} drives a
 *       {@link dev.rstream.internal.http.ReadLoop} on a scheduler worker, on demand: the loop
 *       catches up with GETs, then tails with long-poll or SSE (from {@code Offset.NOW} it goes
 *       live at once; an SSE read then asks the stream's type with a HEAD only when data comes),
 *       and is where reconnects, retries and the AUTO fallback happen. Response bodies are decoded as they stream in
 *       ({@link dev.rstream.internal.http.JsonResponseSource}); SSE data/control pairs become
 *       batches in {@link dev.rstream.internal.http.SseSource}.
 *   <li>{@link dev.rstream.internal.http.HttpFailures}: which statuses are transient and which
 *       typed exception every other one becomes.
 * </ul>
 */
@NullMarked
package dev.rstream.internal.http;

import org.jspecify.annotations.NullMarked;
