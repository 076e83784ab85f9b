package dev.rstream.examples.cli;

import static java.util.concurrent.TimeUnit.SECONDS;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Standard output whose reader stops after {@code lines} lines: later writes fail, as writes to a
 * pipe whose reader exited do.
 */
final class ClosingOutput extends Writer {
  private final int lines;
  private final BlockingQueue<String> accepted = new LinkedBlockingQueue<>();
  private final StringBuilder partial = new StringBuilder();
  private final AtomicInteger refused = new AtomicInteger();
  private int complete;

  ClosingOutput(int lines) {
    this.lines = lines;
  }

  @Override
  public synchronized void write(char[] chars, int off, int len) throws IOException {
    for (int i = off; i < off + len; i++) {
      if (complete >= lines) {
        refused.incrementAndGet();
        throw new IOException("Broken pipe");
      }
      if (chars[i] == '\n') {
        complete++;
        accepted.add(partial.toString());
        partial.setLength(0);
      } else {
        partial.append(chars[i]);
      }
    }
  }

  /** The next line the reader took, or null if none came within {@code seconds}. */
  @Nullable String poll(long seconds) throws InterruptedException {
    return accepted.poll(seconds, SECONDS);
  }

  /** How many writes failed. */
  int refused() {
    return refused.get();
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
