package dev.rstream.chaos;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The soak's fault log ({@code target/soak-faults.log}): one timestamped line per fault, server
 * kill, client reopen and token rotation, to read a failed run by. Thread-safe.
 */
final class FaultLog implements Closeable {
  private final PrintStream out;

  FaultLog(File file) throws IOException {
    this.out = new PrintStream(file, StandardCharsets.UTF_8);
  }

  /** Writes {@code event} after the time now. */
  synchronized void record(String event) {
    out.println(Instant.now() + " " + event);
  }

  @Override
  public synchronized void close() {
    out.close();
  }
}
