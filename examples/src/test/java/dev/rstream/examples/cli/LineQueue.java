package dev.rstream.examples.cli;

import java.io.Writer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** A writer that hands each complete line to the test as it is written, for waits with timeouts. */
final class LineQueue extends Writer {
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final StringBuilder partial = new StringBuilder();

  @Override
  public synchronized void write(char[] chars, int off, int len) {
    for (int i = off; i < off + len; i++) {
      char c = chars[i];
      if (c == '\n') {
        lines.add(partial.toString());
        partial.setLength(0);
      } else if (c != '\r') {
        partial.append(c);
      }
    }
  }

  /** The next complete line, or null if none came within {@code seconds}. */
  @Nullable String poll(long seconds) throws InterruptedException {
    return lines.poll(seconds, TimeUnit.SECONDS);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
