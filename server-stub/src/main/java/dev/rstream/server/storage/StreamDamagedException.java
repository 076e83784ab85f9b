package dev.rstream.server.storage;

import java.io.IOException;

/**
 * The stream's file is damaged on disk (a record with intact records after it failed its checksum,
 * or the creation record did): the stream is readable up to the damage and refuses appends and
 * reads past it until an operator restores the file or salvages the stream. The message names the
 * stream, the file, the byte where the damage starts and the way out.
 *
 * <p>Thrown wrapped in an {@link java.io.UncheckedIOException} by reads, and as the failure of an
 * append's future.
 */
public final class StreamDamagedException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String path;

  /** An exception for the stream at {@code path}, with a message that says what to do. */
  public StreamDamagedException(String path, String message) {
    super(message);
    this.path = path;
  }

  /** The damaged stream's path. */
  public String path() {
    return path;
  }
}
