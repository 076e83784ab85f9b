package dev.rstream.internal.window;

import dev.rstream.Progress;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.processors.BehaviorProcessor;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * The latest {@link Progress} of one client, updated by its window fetches and live cursor from
 * any thread. Updates are computed under a lock (so none is lost) and emitted outside it, in
 * order, one thread at a time, so that a subscriber may call back into the client.
 */
public final class ProgressBoard {
  private final BehaviorProcessor<Progress> progress =
      BehaviorProcessor.createDefault(Progress.builder().build());
  private final ConcurrentLinkedQueue<Progress> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger draining = new AtomicInteger();
  private Progress current = Progress.builder().build();
  private boolean completed;

  /** Applies {@code change} to the current progress and emits the result if it differs. */
  public void update(UnaryOperator<Progress.Builder> change) {
    synchronized (this) {
      if (completed) return; // the client is closed; reads may still be winding down
      Progress next = change.apply(current.newBuilder()).build();
      if (next.equals(current)) return;
      current = next;
      pending.add(next);
    }
    drain();
  }

  /** The latest progress. */
  public synchronized Progress current() {
    return current;
  }

  /** The current progress, then every change; latest only for slow consumers. */
  public Flowable<Progress> updates() {
    return progress.onBackpressureLatest();
  }

  /** Completes {@link #updates()}; later updates are ignored. */
  public void complete() {
    synchronized (this) {
      if (completed) return;
      completed = true;
    }
    drain();
  }

  private void drain() {
    if (draining.getAndIncrement() != 0) return;
    int missed = 1;
    do {
      Progress next;
      while ((next = pending.poll()) != null) progress.onNext(next);
      boolean done;
      synchronized (this) {
        done = completed && pending.isEmpty();
      }
      if (done && !progress.hasComplete()) progress.onComplete();
      missed = draining.addAndGet(-missed);
    } while (missed != 0);
  }
}
