package dev.rstream;

import org.jspecify.annotations.Nullable;

/**
 * The stream is closed and accepts no more appends (409 with {@code Stream-Closed: true}). {@link
 * #offset()} is the final offset of the stream when the server sent it.
 */
public class StreamClosedException extends ConflictException {
  private static final long serialVersionUID = 1L;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public StreamClosedException(
      String message, String url, @Nullable Offset offset, int status, @Nullable Throwable cause) {
    super(message, url, offset, status, cause);
  }

  /** As the other constructor, with the error code of the server's response body, or null. */
  public StreamClosedException(
      String message,
      String url,
      @Nullable Offset offset,
      int status,
      @Nullable String serverCode,
      @Nullable Throwable cause) {
    super(message, url, offset, status, serverCode, cause);
  }
}
