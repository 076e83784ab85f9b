package dev.rstream;

import org.jspecify.annotations.Nullable;

/**
 * The server refused the request's credentials (401) and a fresh token from the {@link
 * TokenSupplier} did not help, or the supplier failed to give one ({@link #getCause()} is what it
 * threw; {@link #status()} is 401 if the server had refused a token, 0 if none was sent). Not
 * retried: the app must sign in again or fix its credentials. Nothing of the refused request was
 * applied. The message never holds a token.
 */
public class AuthenticationException extends RStreamException {
  private static final long serialVersionUID = 1L;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public AuthenticationException(
      String message, String url, @Nullable Offset offset, int status, @Nullable Throwable cause) {
    super(message, url, offset, status, cause);
  }

  /** As the other constructor, with the error code of the server's response body, or null. */
  public AuthenticationException(
      String message,
      String url,
      @Nullable Offset offset,
      int status,
      @Nullable String serverCode,
      @Nullable Throwable cause) {
    super(message, url, offset, status, serverCode, cause);
  }
}
