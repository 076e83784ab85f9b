package dev.rstream.server.storage;

/** No stream exists at the path. */
public final class NoSuchStreamException extends Exception {
  private static final long serialVersionUID = 1L;

  /** An exception whose message names the stream (or directory) and what was wrong. */
  public NoSuchStreamException(String message) {
    super(message);
  }
}
