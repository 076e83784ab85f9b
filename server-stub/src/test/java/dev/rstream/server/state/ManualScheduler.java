package dev.rstream.server.state;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A single-"thread" scheduler driven by the test: tasks run only inside {@link #runPending} and
 * {@link #advance}, on the test's thread, with time taken from a {@link MutableClock}. Like
 * RxJava's {@code TestScheduler}: no sleeps, no races.
 */
final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
  private final MutableClock clock;
  private final Queue<Runnable> ready = new ArrayDeque<>();
  private final List<Timed> timed = new ArrayList<>();
  private boolean shutdown;

  ManualScheduler(MutableClock clock) {
    this.clock = clock;
  }

  /** Runs every ready task, including those they submit. Returns how many ran. */
  synchronized int runPending() {
    int ran = 0;
    Runnable r;
    while ((r = ready.poll()) != null) {
      if (++ran > 100_000) throw new AssertionError("tasks keep submitting tasks");
      r.run();
    }
    return ran;
  }

  /** Whether no task is ready to run. */
  synchronized boolean idle() {
    return ready.isEmpty();
  }

  /** Moves the clock by {@code d}, running timed tasks at their due times and ready tasks. */
  synchronized void advance(Duration d) {
    Instant target = clock.instant().plus(d);
    runPending();
    while (true) {
      Timed next =
          timed.stream()
              .filter(t -> !t.cancelled && !t.due.isAfter(target))
              .min(Comparator.comparing(t -> t.due))
              .orElse(null);
      if (next == null) break;
      clock.set(next.due);
      if (next.period == null) {
        timed.remove(next);
      } else {
        next.due = next.due.plus(next.period);
      }
      next.task.run();
      runPending();
    }
    clock.set(target);
    runPending();
  }

  @Override
  public synchronized void execute(Runnable command) {
    if (shutdown) throw new java.util.concurrent.RejectedExecutionException("shut down");
    ready.add(command);
  }

  @Override
  public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return add(command, delay, null, unit);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public synchronized ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    return add(command, initialDelay, Duration.ofNanos(unit.toNanos(period)), unit);
  }

  @Override
  public synchronized ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    return add(command, initialDelay, Duration.ofNanos(unit.toNanos(delay)), unit);
  }

  private Timed add(Runnable command, long delay, Duration period, TimeUnit unit) {
    Timed t = new Timed(command, clock.instant().plusNanos(unit.toNanos(delay)), period);
    timed.add(t);
    return t;
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> pending = new ArrayList<>(ready);
    ready.clear();
    return pending;
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown && ready.isEmpty();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }

  private final class Timed implements ScheduledFuture<Object> {
    final Runnable task;
    final Duration period;
    Instant due;
    volatile boolean cancelled;

    Timed(Runnable task, Instant due, Duration period) {
      this.task = task;
      this.due = due;
      this.period = period;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(Duration.between(clock.instant(), due));
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      cancelled = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return cancelled;
    }

    @Override
    public Object get() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }
  }
}
