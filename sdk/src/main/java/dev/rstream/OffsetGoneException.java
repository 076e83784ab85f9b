package dev.rstream;

import org.jspecify.annotations.Nullable;

/**
 * The server no longer has data at the requested offset (410 Gone: retention or compaction dropped
 * it, or the stream was soft-deleted). Not retried: start over from a newer offset or from a
 * snapshot.
 */
public class OffsetGoneException extends RStreamException {
  private static final long serialVersionUID = 1L;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public OffsetGoneException(
      String message, String url, @Nullable Offset offset, int status, @Nullable Throwable cause) {
    super(message, url, offset, status, cause);
  }

  /** As the other constructor, with the error code of the server's response body, or null. */
  public OffsetGoneException(
      String message,
      String url,
      @Nullable Offset offset,
      int status,
      @Nullable String serverCode,
      @Nullable Throwable cause) {
    super(message, url, offset, status, serverCode, cause);
  }
}
