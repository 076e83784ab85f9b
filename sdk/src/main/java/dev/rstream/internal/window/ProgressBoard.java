package dev.rstream.internal.window;

import dev.rstream.Progress;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.processors.BehaviorProcessor;
import java.util.function.UnaryOperator;

/** The latest {@link Progress} of one client, updated by its window fetches and live cursor. */
public final class ProgressBoard {
  private final BehaviorProcessor<Progress> progress =
      BehaviorProcessor.createDefault(Progress.builder().build());
  private Progress last = Progress.builder().build();

  /** Applies {@code change} to the current progress and emits the result if it differs. */
  public synchronized void update(UnaryOperator<Progress.Builder> change) {
    Progress current = progress.getValue();
    if (current == null) return; // completed: the client is closed, reads still winding down
    Progress next = change.apply(current.newBuilder()).build();
    if (!next.equals(current)) progress.onNext(next); // serialized by this lock
  }

  /** The latest progress (the last one before completion, once complete). */
  public synchronized Progress current() {
    Progress current = progress.getValue();
    return current != null ? current : last;
  }

  /** The current progress, then every change; latest only for slow consumers. */
  public Flowable<Progress> updates() {
    return progress.onBackpressureLatest();
  }

  public synchronized void complete() {
    Progress current = progress.getValue();
    if (current != null) last = current;
    progress.onComplete();
  }
}
