package dev.rstream;

import org.jspecify.annotations.Nullable;

/**
 * The server refused the request with a status this SDK has no better type for (400, 403 without
 * producer headers, 405, 413, 501, ...). Usually a bug in the caller; see {@link #status()}.
 */
public class UnexpectedStatusException extends RStreamException {
  private static final long serialVersionUID = 1L;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public UnexpectedStatusException(
      String message, String url, @Nullable Offset offset, int status, @Nullable Throwable cause) {
    super(message, url, offset, status, cause);
  }

  /** As the other constructor, with the error code of the server's response body, or null. */
  public UnexpectedStatusException(
      String message,
      String url,
      @Nullable Offset offset,
      int status,
      @Nullable String serverCode,
      @Nullable Throwable cause) {
    super(message, url, offset, status, serverCode, cause);
  }
}
