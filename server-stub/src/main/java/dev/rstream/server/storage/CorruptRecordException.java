package dev.rstream.server.storage;

/** A record whose bytes cannot be what {@link LogRecord} wrote. */
final class CorruptRecordException extends Exception {
  private static final long serialVersionUID = 1L;

  CorruptRecordException(String message) {
    super(message);
  }
}
