package dev.rstream.examples;

import java.io.Console;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Progress of a task with a known number of steps, shown as a progress bar on a terminal and as
 * plain lines otherwise: redirected to a file or a pipe, a bar's carriage returns and colour codes
 * would only be noise.
 *
 * <p>Threading: {@link #step} may be called from any thread; {@link #close} once, after the last
 * step. Output goes to the stream given, which this does not close.
 */
abstract class StepProgress implements AutoCloseable {
  /** Shows progress on {@code out}: a bar when {@code terminal}, otherwise plain lines. */
  static StepProgress create(PrintStream out, boolean terminal, String task, long steps) {
    return terminal ? new Bar(out, task, steps) : new Lines(out, task, steps);
  }

  /**
   * Whether standard input and output are a terminal, where a progress bar can redraw itself. Up to
   * Java 21 there is a {@link Console} only then; from Java 22 there may be one anyway, and its
   * {@code isTerminal()} tells.
   */
  static boolean isTerminal() {
    Console console = System.console();
    if (console == null) return false;
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return Boolean.TRUE.equals(isTerminal.invoke(console));
    } catch (NoSuchMethodException e) {
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /** One step done. */
  abstract void step();

  /** {@code done} steps done in all, when something else counts them; never goes back. */
  abstract void reached(long done);

  @Override
  public abstract void close();

  /** The progressbar library's bar, drawn on {@code out}. */
  private static final class Bar extends StepProgress {
    private final ProgressBar bar;

    Bar(PrintStream out, String task, long steps) {
      bar =
          new ProgressBarBuilder()
              .setTaskName(task)
              .setInitialMax(steps)
              .setUpdateIntervalMillis(100)
              .continuousUpdate()
              .setConsumer(new ConsoleProgressBarConsumer(out))
              .build();
    }

    @Override
    void step() {
      bar.step();
    }

    @Override
    synchronized void reached(long done) {
      if (done > bar.getCurrent()) bar.stepTo(done);
    }

    @Override
    public void close() {
      bar.close();
    }
  }

  /** A line at every tenth of the steps, and one at the end if the steps fell short. */
  private static final class Lines extends StepProgress {
    private static final int PARTS = 10;

    private final PrintStream out;
    private final String task;
    private final long steps;
    private final AtomicLong done = new AtomicLong();
    private final AtomicInteger partsShown = new AtomicInteger();

    Lines(PrintStream out, String task, long steps) {
      this.out = out;
      this.task = task;
      this.steps = Math.max(1, steps);
    }

    @Override
    void step() {
      show(done.incrementAndGet());
    }

    @Override
    void reached(long n) {
      done.accumulateAndGet(n, Math::max);
      show(done.get());
    }

    private void show(long n) {
      int parts = (int) Math.min(PARTS, n * PARTS / steps);
      int shown = partsShown.get();
      // Only the thread that moves the count on prints, so each tenth is printed once.
      if (parts > shown && partsShown.compareAndSet(shown, parts)) print(n);
    }

    @Override
    public void close() {
      if (partsShown.getAndSet(PARTS) < PARTS) print(done.get());
    }

    private void print(long n) {
      out.println(
          String.format(Locale.ROOT, "%s: %,d / %,d (%d%%)", task, n, steps, n * 100 / steps));
    }
  }
}
