package dev.rstream.server.storage;

import java.io.IOException;

/**
 * The data directory is already open in a {@link FileLogStore}, in this process or another. Two
 * writers on one log would interleave records and corrupt it, so the second open is refused.
 */
public final class StoreLockedException extends IOException {
  private static final long serialVersionUID = 1L;

  /** An exception whose message names the stream (or directory) and what was wrong. */
  public StoreLockedException(String message) {
    super(message);
  }
}
