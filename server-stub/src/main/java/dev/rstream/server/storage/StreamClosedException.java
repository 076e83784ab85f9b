package dev.rstream.server.storage;

/** The stream is closed and takes no more messages. */
public final class StreamClosedException extends Exception {
  private static final long serialVersionUID = 1L;

  /** An exception whose message names the stream (or directory) and what was wrong. */
  public StreamClosedException(String message) {
    super(message);
  }
}
