package dev.rstream.server.state;

/** A unit that breaks a state stream's rules; the HTTP layer answers 400 with this message. */
public final class AppendRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  public AppendRejectedException(String message) {
    super(message);
  }
}
