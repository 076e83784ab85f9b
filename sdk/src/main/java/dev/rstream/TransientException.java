package dev.rstream;

import org.jspecify.annotations.Nullable;

/**
 * The network or the server failed (connection error, timeout, truncated body, 429, 5xx) and the
 * {@link RetryPolicy} gave up. Trying again later may work. {@link #status()} is 0 for network
 * failures; {@link #getCause()} holds the last {@code IOException} if there was one.
 */
public class TransientException extends RStreamException {
  private static final long serialVersionUID = 1L;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public TransientException(
      String message, String url, @Nullable Offset offset, int status, @Nullable Throwable cause) {
    super(message, url, offset, status, cause);
  }

  /** As the other constructor, with the error code of the server's response body, or null. */
  public TransientException(
      String message,
      String url,
      @Nullable Offset offset,
      int status,
      @Nullable String serverCode,
      @Nullable Throwable cause) {
    super(message, url, offset, status, serverCode, cause);
  }
}
