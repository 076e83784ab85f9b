package dev.rstream.server.storage;

/** A read position that is not a message boundary of the stream, or is past its tail. */
public class InvalidPositionException extends Exception {
  private static final long serialVersionUID = 1L;

  /** An exception whose message names the stream (or directory) and what was wrong. */
  public InvalidPositionException(String message) {
    super(message);
  }
}
