package dev.rstream.server.http;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a live read's step on the request pool once per burst of wake-ups: a wake-up while one is
 * queued and not yet started adds nothing, because the step reads whatever landed meanwhile.
 *
 * <p>Threading: {@link #wake} from any thread (tail listeners, timers); the step runs on {@code
 * executor}.
 */
final class QueuedWake {
  private final Executor executor;
  private final Runnable step;
  private final AtomicBoolean queued = new AtomicBoolean();

  QueuedWake(Executor executor, Runnable step) {
    this.executor = executor;
    this.step = step;
  }

  /** Queues the step unless it is queued already. */
  void wake() {
    if (queued.compareAndSet(false, true)) {
      executor.execute(
          () -> {
            queued.set(false);
            step.run();
          });
    }
  }
}
