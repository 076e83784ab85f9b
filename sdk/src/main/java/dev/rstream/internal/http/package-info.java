/**
 * The Durable Streams transport over OkHttp.
 *
 * <ul>
 *   <li>{@link dev.rstream.internal.http.StreamEndpoint}: one stream's URL, client, policy, and the
 *       dynamic headers and parameters computed for every request.
 *   <li>{@link dev.rstream.internal.http.StreamCalls}: create, head, delete, append, close as
 *       {@code Single}s ({@link dev.rstream.internal.http.CallSingle}), retried by {@link
 *       dev.rstream.internal.retry.Recovery#retrying}.
 *   <li>{@link dev.rstream.internal.http.ReadFlowable} drives a {@link
 *       dev.rstream.internal.http.ReadLoop} on a scheduler worker, on demand: the loop catches up
 *       with GETs, then tails with long-poll or SSE (from {@code Offset.NOW} it goes live at once;
 *       an SSE read then asks the stream's type with a HEAD only when data comes), and is where the
 *       AUTO fallback happens and where a read's failures are retried, resuming where it stopped,
 *       after the delay {@link dev.rstream.internal.retry.Recovery} decides. Response bodies are
 *       decoded as they stream in ({@link dev.rstream.internal.http.JsonResponseSource}); SSE
 *       data/control pairs become batches in {@link dev.rstream.internal.http.SseSource}.
 *   <li>{@link dev.rstream.internal.http.HttpFailures}: a failed response as a retryable failure or
 *       the typed exception it becomes.
 * </ul>
 */
@NullMarked
package dev.rstream.internal.http;

import org.jspecify.annotations.NullMarked;
