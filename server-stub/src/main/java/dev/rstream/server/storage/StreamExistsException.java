package dev.rstream.server.storage;

/** A stream already exists at the path. */
public final class StreamExistsException extends Exception {
  private static final long serialVersionUID = 1L;

  /** An exception whose message names the stream (or directory) and what was wrong. */
  public StreamExistsException(String message) {
    super(message);
  }
}
