package dev.rstream.internal.outbox;

import io.reactivex.rxjava3.disposables.Disposable;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * How long an {@link Outbox} waits before sending its first entry again after transient failures:
 * by the sending client's retry policy, then, once the policy gives up, until a sign of the network
 * ({@link #online}). A sign ends the wait; one that comes while a send is on its way is kept until
 * that send's answer, and if the send fails, it is sent again at once and the failures after that
 * count as a new run (the send went out on the network that was gone). Guarded by the outbox's
 * lock; the timer's action runs outside it.
 */
final class OutboxBackoff {
  private @Nullable Disposable timer;
  private boolean waitingForOnline;
  private boolean onlineWhileSending;
  private int failures;
  private long failingSinceMillis;

  /** Whether a send must wait now. */
  boolean waiting() {
    return waitingForOnline || timer != null;
  }

  /** A send succeeded or was answered for good: the next failure is the first again. */
  void reset() {
    failures = 0;
    onlineWhileSending = false;
  }

  /**
   * Schedules {@code retry} after the failure {@code error} of a send through {@code link}: at once
   * if the network came back while it was on its way, else as the link's policy says, or waits for
   * {@link #online} if the policy gives up. The link's listener hears it.
   */
  void failed(OutboxLink link, Throwable error, Runnable retry) {
    if (onlineWhileSending) {
      link.events.outboxRetryScheduled(0, failures + 1, error);
      reset();
      timer = link.scheduler.scheduleDirect(retry);
      return;
    }
    long now = link.scheduler.now(TimeUnit.MILLISECONDS);
    if (failures == 0) failingSinceMillis = now;
    int attempt = failures++;
    if (!link.policy.allows(attempt, now - failingSinceMillis)) {
      waitingForOnline = true;
      link.events.outboxRetryScheduled(-1, failures, error);
      return;
    }
    long delay = link.policy.delayMillis(attempt, 0);
    link.events.outboxRetryScheduled(delay, failures, error);
    timer = link.scheduler.scheduleDirect(retry, delay, TimeUnit.MILLISECONDS);
  }

  /** The timer fired: a send may go. */
  void elapsed() {
    timer = null;
  }

  /**
   * A sign of the network: ends any wait (true: a send may go now). While {@code sending}, there is
   * none to end (false): the sign is kept for that send's failure.
   */
  boolean online(boolean sending) {
    if (!waiting()) {
      if (sending) onlineWhileSending = true;
      return false;
    }
    waitingForOnline = false;
    cancel();
    return true;
  }

  /** Stops the timer (no client left to send through). */
  void cancel() {
    if (timer != null) timer.dispose();
    timer = null;
  }
}
