package dev.rstream.internal.live;

import dev.rstream.Offset;
import dev.rstream.RStreamEventListener;
import dev.rstream.TransientException;
import dev.rstream.internal.retry.RetryableFailure;
import dev.rstream.internal.window.ProgressBoard;
import io.reactivex.rxjava3.core.Scheduler;
import java.util.concurrent.TimeUnit;

/**
 * The current run of failures of one session's read, with no answer in between: progress shows it
 * (this object is the read's key on the {@link ProgressBoard}) and waiters hear of each one.
 * Thread-safe.
 */
final class ReadFailures {
  private final String url;
  private final ProgressBoard progress;
  private final LiveWaiters waiters;
  private final Scheduler scheduler;
  private final RStreamEventListener events;
  // Guarded by this.
  private volatile int failuresInRun;
  private long runStartedAt;

  ReadFailures(
      String url,
      ProgressBoard progress,
      LiveWaiters waiters,
      Scheduler scheduler,
      RStreamEventListener events) {
    this.url = url;
    this.events = events;
    this.progress = progress;
    this.waiters = waiters;
    this.scheduler = scheduler;
  }

  /**
   * The read, resuming from {@code resumeOffset}, failed transiently and will be tried again in
   * {@code delayMillis}: progress, waiters and the app's event listener hear of it.
   */
  void failed(Throwable cause, Offset resumeOffset, long delayMillis) {
    FailureRun run;
    synchronized (this) {
      long now = scheduler.now(TimeUnit.MILLISECONDS);
      if (failuresInRun == 0) runStartedAt = now;
      int count = failuresInRun + 1;
      failuresInRun = count;
      TransientException last = transientOf(cause, resumeOffset);
      run = new FailureRun(count, now - runStartedAt, last);
      waiters.current(run);
    }
    progress.retrying(this, run.count, run.last);
    events.retryScheduled(delayMillis, run.count, run.last);
    waiters.failed(run);
  }

  /** {@code cause}, a failure of the read from {@code resumeOffset}, as apps see it. */
  TransientException transientOf(Throwable cause, Offset resumeOffset) {
    return cause instanceof TransientException
        ? (TransientException) cause
        : cause instanceof RetryableFailure
            ? ((RetryableFailure) cause).toTransient(url, resumeOffset, ", retrying")
            : new TransientException(cause + ", retrying", url, resumeOffset, 0, cause);
  }

  /** The server answered: the run of failures, if any, is over. */
  void answered() {
    if (failuresInRun == 0) return;
    synchronized (this) {
      failuresInRun = 0;
      waiters.current(null);
    }
    progress.answered(this);
  }

  /** The read ended: it retries no more. */
  void ended() {
    waiters.current(null);
    progress.answered(this);
  }
}
