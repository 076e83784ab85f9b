package dev.rstream.internal.window;

import io.reactivex.rxjava3.core.Scheduler;
import java.util.ArrayDeque;

/**
 * Runs window fetches on a scheduler, at most {@code maxParallel} at once: a fetch takes a slot and
 * runs, or waits in submission order until a running one {@linkplain #release() releases} its slot,
 * which then goes straight to it. Thread-safe.
 */
final class FetchScheduler {
  private final Scheduler scheduler;
  private final int maxParallel;
  // Guarded by this.
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int running;

  FetchScheduler(Scheduler scheduler, int maxParallel) {
    if (maxParallel < 1) throw new IllegalArgumentException("maxParallel < 1: " + maxParallel);
    this.scheduler = scheduler;
    this.maxParallel = maxParallel;
  }

  /**
   * Schedules {@code fetch} now if a slot is free, else once one is released. The fetch holds its
   * slot until it calls {@link #release()}, exactly once, however it ends.
   */
  void submit(Runnable fetch) {
    synchronized (this) {
      if (running >= maxParallel) {
        waiting.add(fetch);
        return;
      }
      running++;
    }
    scheduler.scheduleDirect(fetch);
  }

  /** Hands the caller's slot to the next waiting fetch, or frees it. */
  void release() {
    Runnable next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) running--;
    }
    if (next != null) scheduler.scheduleDirect(next);
  }

  /** Fetches holding a slot now. */
  synchronized int running() {
    return running;
  }

  /** Fetches waiting for a slot now. */
  synchronized int waiting() {
    return waiting.size();
  }
}
