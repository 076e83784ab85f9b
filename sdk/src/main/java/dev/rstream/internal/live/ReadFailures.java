package dev.rstream.internal.live;

import dev.rstream.Offset;
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
  // Guarded by this.
  private volatile int failuresInRun;
  private long runStartedAt;

  ReadFailures(String url, ProgressBoard progress, LiveWaiters waiters, Scheduler scheduler) {
    this.url = url;
    this.progress = progress;
    this.waiters = waiters;
    this.scheduler = scheduler;
  }

  /**
   * The read, resuming from {@code resumeOffset}, failed transiently and will be tried again:
   * progress and waiters hear of it.
   */
  void failed(Throwable cause, Offset resumeOffset) {
    FailureRun run;
    synchronized (this) {
      long now = scheduler.now(TimeUnit.MILLISECONDS);
      if (failuresInRun == 0) runStartedAt = now;
      int count = failuresInRun + 1;
      failuresInRun = count;
      TransientException last =
          cause instanceof TransientException
              ? (TransientException) cause
              : cause instanceof RetryableFailure
                  ? ((RetryableFailure) cause).toTransient(url, resumeOffset, ", retrying")
                  : new TransientException(cause + ", retrying", url, resumeOffset, 0, cause);
      run = new FailureRun(count, now - runStartedAt, last);
      waiters.current(run);
    }
    progress.retrying(this, run.count, run.last);
    waiters.failed(run);
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
