package dev.rstream.server.storage;

/** A stream already exists at the path. */
public final class StreamExistsException extends Exception {
  private static final long serialVersionUID = 1L;

  public StreamExistsException(String message) {
    super(message);
  }
}
