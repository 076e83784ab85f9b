package dev.rstream.internal.retry;

import dev.rstream.Offset;
import dev.rstream.TransientException;
import org.jspecify.annotations.Nullable;

/**
 * A failure that may go away if the request is sent again: a network error, a body cut short, 429
 * or a 5xx. It never leaves the transport: when the policy gives up it becomes a public {@code
 * TransientException}.
 */
public final class RetryableFailure extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final long retryAfterMillis;
  private final @Nullable String serverCode;

  /**
   * @param status the HTTP status, 0 for a network failure.
   * @param retryAfterMillis the server's {@code Retry-After}, 0 when absent.
   */
  public RetryableFailure(
      String message, int status, long retryAfterMillis, @Nullable Throwable cause) {
    this(message, status, retryAfterMillis, null, cause);
  }

  /** As the other constructor, with the error code the server's body named, if any. */
  public RetryableFailure(
      String message,
      int status,
      long retryAfterMillis,
      @Nullable String serverCode,
      @Nullable Throwable cause) {
    super(message, cause);
    this.status = status;
    this.retryAfterMillis = retryAfterMillis;
    this.serverCode = serverCode;
  }

  /**
   * This failure as the public exception: its message followed by {@code suffix}, its status and
   * server code, and as cause the network error if there was one.
   */
  public TransientException toTransient(String url, @Nullable Offset offset, String suffix) {
    return new TransientException(
        getMessage() + suffix,
        url,
        offset,
        status,
        serverCode,
        getCause() != null ? getCause() : this);
  }

  /** The error code of the server's body, or null when it sent none. */
  public @Nullable String serverCode() {
    return serverCode;
  }

  public int status() {
    return status;
  }

  public long retryAfterMillis() {
    return retryAfterMillis;
  }
}
