package dev.rstream;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs two actions at as nearly the same instant as two threads allow, many times over, so that an
 * interleaving a single run hits once in a thousand shows up in one test run. Successive runs start
 * one side a little later than the other, by a skew that sweeps both ways, so a window a few
 * instructions wide that sits away from the start of an action is crossed too. The second action
 * runs on a thread this object owns; {@link #close()} ends it. Not for use by two threads at once.
 */
final class Race implements AutoCloseable {
  /** The most spin-waits one side is held back by; a few microseconds either way. */
  private static final int MAX_SKEW = 64;

  private int runs;
  private final ExecutorService other =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread thread = new Thread(r, "race");
            thread.setDaemon(true);
            return thread;
          });

  /**
   * Runs {@code first} on the calling thread and {@code second} on the race thread, both released
   * by a spin on a shared counter (a latch would let one side sleep and lose the race every time).
   * Rethrows what either threw; fails if the race thread takes more than 5 s.
   */
  void run(Runnable first, Runnable second) throws Exception {
    int skew = runs++ % (2 * MAX_SKEW + 1) - MAX_SKEW;
    AtomicInteger ready = new AtomicInteger(2);
    Future<?> done =
        other.submit(
            () -> {
              await(ready);
              spin(skew);
              second.run();
            });
    await(ready);
    spin(-skew);
    first.run();
    done.get(5, TimeUnit.SECONDS);
  }

  private static void await(AtomicInteger ready) {
    if (ready.decrementAndGet() != 0) {
      while (ready.get() != 0) Thread.onSpinWait();
    }
  }

  private static void spin(int times) {
    for (int i = 0; i < times; i++) Thread.onSpinWait();
  }

  @Override
  public void close() {
    other.shutdownNow();
  }
}
