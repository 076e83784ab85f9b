package dev.rstream.internal.live;

import dev.rstream.RetryPolicy;
import dev.rstream.TransientException;
import dev.rstream.internal.retry.Recovery;
import io.reactivex.rxjava3.core.BackpressureStrategy;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.subjects.PublishSubject;
import io.reactivex.rxjava3.subjects.Subject;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Bounds one-shot waits on the live state: hears of each failure and each advance of the live read
 * (from its sessions) and fails a waiter whose bound they exceed. Thread-safe.
 */
final class LiveWaiters {
  private final String url;
  private final Scheduler scheduler;
  // Each failure of a session, for waiters that bound how long a failing cursor keeps them.
  private final Subject<FailureRun> failures = PublishSubject.<FailureRun>create().toSerialized();
  // Each batch that moved the live read on: new messages, or a later offset.
  private final Subject<Boolean> advanced = PublishSubject.<Boolean>create().toSerialized();
  // The current run of failures of the session, if any, for a waiter that gives up between two.
  private volatile @Nullable FailureRun lastFailures;

  LiveWaiters(String url, Scheduler scheduler) {
    this.url = url;
    this.scheduler = scheduler;
  }

  /** {@code run} is the current run of failures, or none is ({@code null}). */
  void current(@Nullable FailureRun run) {
    lastFailures = run;
  }

  /** The read failed again: {@code run} is the run of failures so far. */
  void failed(FailureRun run) {
    failures.onNext(run);
  }

  /** A batch moved the live read on. */
  void advanced() {
    advanced.onNext(Boolean.TRUE);
  }

  /** {@code updates}, failing as {@link LiveCursor#updates(RetryPolicy)} says. */
  Flowable<LiveUpdate> bound(Flowable<LiveUpdate> updates, RetryPolicy bound) {
    Flowable<LiveUpdate> gaveUp =
        failures
            .filter(run -> Recovery.exhausts(bound, run.count, run.elapsedMillis))
            .firstElement()
            .flatMapPublisher(run -> Flowable.error(run.gaveUp()));
    long stallMillis = bound.maxElapsedMillis();
    if (stallMillis > 0) {
      Flowable<LiveUpdate> stalled =
          advanced
              .toFlowable(BackpressureStrategy.LATEST)
              .startWithItem(Boolean.TRUE)
              .switchMap(moved -> Flowable.timer(stallMillis, TimeUnit.MILLISECONDS, scheduler))
              .firstElement()
              .flatMapPublisher(timeUp -> Flowable.error(stalled(stallMillis)));
      gaveUp = gaveUp.mergeWith(stalled);
    }
    Flowable<LiveUpdate> watch = gaveUp;
    // The watch ends with the updates, however they end, so that the merge does too.
    return updates.publish(
        shared ->
            shared.mergeWith(
                watch.takeUntil(
                    shared
                        .ignoreElements()
                        .onErrorComplete()
                        .andThen(Flowable.just(Boolean.TRUE)))));
  }

  private TransientException stalled(long millis) {
    FailureRun last = lastFailures;
    String message = "the live read has read nothing new for " + millis + " ms";
    if (last == null) return new TransientException(message, url, null, 0, null);
    return new TransientException(
        message
            + "; it failed "
            + last.count
            + " times in a row, the last time: "
            + last.last.getMessage(),
        url,
        last.last.offset(),
        last.last.status(),
        last.last.serverCode(),
        last.last);
  }
}
