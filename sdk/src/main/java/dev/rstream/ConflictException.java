package dev.rstream;

import org.jspecify.annotations.Nullable;

/**
 * The request conflicts with the state of the stream (409): created with another configuration, or
 * appended with another content type. Subclasses name the conflicts the SDK can tell apart: {@link
 * StreamClosedException}, {@link SequenceConflictException} (an idempotent producer's gap) and
 * {@link SequenceRegressionException} (a {@code Stream-Seq} that does not increase).
 */
public class ConflictException extends RStreamException {
  private static final long serialVersionUID = 1L;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public ConflictException(
      String message, String url, @Nullable Offset offset, int status, @Nullable Throwable cause) {
    super(message, url, offset, status, cause);
  }

  /** As the other constructor, with the error code of the server's response body, or null. */
  public ConflictException(
      String message,
      String url,
      @Nullable Offset offset,
      int status,
      @Nullable String serverCode,
      @Nullable Throwable cause) {
    super(message, url, offset, status, serverCode, cause);
  }
}
