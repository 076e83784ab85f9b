package dev.rstream;

import dev.rstream.durable.DurableStream;
import org.jspecify.annotations.Nullable;

/**
 * The app's source of bearer tokens, for servers that require {@code Authorization: Bearer
 * {token}}. Set it with {@link DurableStream.Builder#authToken} or {@link
 * RStreamClient.Builder#authToken}.
 *
 * <p>The SDK asks {@code token(null)} before every request (every read, reconnect, long-poll,
 * append and retry), so return a cached token and keep that call fast. When the server refuses a
 * token (401) the SDK asks {@code token(refused)} and sends the request again with the answer. If
 * that one is refused too (the server rotated its token again meanwhile), the SDK asks again, as
 * long as the answer is a token other than the one just refused and at most three times per
 * request. Past that, or if this method throws, the operation fails with an {@link
 * AuthenticationException} and is not retried. Nothing is lost: a refused request was not applied.
 *
 * <p>Called on the threads that send requests (OkHttp's and the reads' I/O threads), possibly from
 * several at once: must be thread-safe. It may block for a refresh, which holds only the request
 * that asked. Several requests refused at the same time each ask with the same {@code refused}
 * token: refresh once, and answer the others with the token already refreshed.
 *
 * <p>The SDK never logs a token nor puts one in an exception message; the app's own exceptions
 * thrown from here become the {@linkplain Throwable#getCause() cause} of the failure, as thrown.
 */
@FunctionalInterface
public interface TokenSupplier {
  /**
   * The token to send now, without the {@code Bearer} prefix.
   *
   * @param refused null for an ordinary request; after a 401, the token the server refused: return
   *     a newer one
   * @throws Exception when no token can be had; the operation fails with an {@link
   *     AuthenticationException} carrying it
   */
  String token(@Nullable String refused) throws Exception;
}
