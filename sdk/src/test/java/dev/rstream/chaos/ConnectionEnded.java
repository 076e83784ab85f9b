package dev.rstream.chaos;

import java.io.IOException;

/**
 * Thrown to unwind a proxied connection's thread once a fault has ended the connection: control
 * flow, not an error.
 */
final class ConnectionEnded extends IOException {
  ConnectionEnded() {
    super("connection ended by a fault");
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this; // no trace to fill
  }

  /** Holds the thread for {@code millis}; an interrupt ends the connection. */
  static void pause(long millis) throws ConnectionEnded {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectionEnded();
    }
  }
}
