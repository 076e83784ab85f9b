package dev.rstream.server.storage;

/**
 * A read position before the first message a stream still holds: {@link LogStore#trim} dropped it
 * (retention). The HTTP layer answers it with 410 Gone.
 */
public final class PositionGoneException extends InvalidPositionException {
  private static final long serialVersionUID = 1L;

  private final long startPosition;

  /** An exception whose message names the stream, the position and the first one still held. */
  public PositionGoneException(String path, long position, long startPosition) {
    super(
        "position "
            + position
            + " of stream "
            + path
            + " was dropped by retention; the stream now starts at "
            + startPosition);
    this.startPosition = startPosition;
  }

  /** The position of the first message the stream still holds. */
  public long startPosition() {
    return startPosition;
  }
}
