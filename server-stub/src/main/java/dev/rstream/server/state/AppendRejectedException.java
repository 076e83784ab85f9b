package dev.rstream.server.state;

/**
 * A unit that breaks a state stream's rules (a timestamp going back, a malformed change); nothing
 * of it was stored. The server answers 400 with this message, which names the stream, the message
 * and the reason.
 */
public final class AppendRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what was wrong, for the 400 body
   */
  public AppendRejectedException(String message) {
    super(message);
  }

  /** What was wrong: never null. */
  @Override
  public String getMessage() {
    return java.util.Objects.requireNonNull(super.getMessage());
  }
}
