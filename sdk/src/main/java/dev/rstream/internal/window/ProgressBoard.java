package dev.rstream.internal.window;

import dev.rstream.Progress;
import dev.rstream.TransientException;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.processors.BehaviorProcessor;
import java.util.LinkedHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * The latest {@link Progress} of one client, updated by its window fetches and live cursor from any
 * thread. Updates are computed under a lock (so none is lost) and emitted outside it, in order, one
 * thread at a time, so that a subscriber may call back into the client.
 */
public final class ProgressBoard {
  private final BehaviorProcessor<Progress> progress =
      BehaviorProcessor.createDefault(new ProgressBuilder().build());
  private final ConcurrentLinkedQueue<Progress> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger draining = new AtomicInteger();
  private Progress current = new ProgressBuilder().build();
  private final CatchUps catchUps = new CatchUps(this);
  private boolean completed;

  /**
   * Reads retrying now, by the key they report with; the last one updated last. Guarded by this.
   */
  private final LinkedHashMap<Object, Retry> retrying = new LinkedHashMap<>();

  private static final class Retry {
    final int attempt;
    final TransientException cause;

    Retry(int attempt, TransientException cause) {
      this.attempt = attempt;
      this.cause = cause;
    }
  }

  /** The reads of known stretches of the stream, shown as {@link Progress#catchUp()}. */
  public CatchUps catchUps() {
    return catchUps;
  }

  /** Adds {@code n} messages to those read. */
  public void messagesRead(int n) {
    if (n > 0) update(p -> p.messagesRead(current().messagesRead() + n));
  }

  /** Applies {@code change} to the current progress and emits the result if it differs. */
  public void update(UnaryOperator<ProgressBuilder> change) {
    synchronized (this) {
      if (completed) return; // the client is closed; reads may still be winding down
      Progress next = change.apply(new ProgressBuilder(current)).build();
      if (next.equals(current)) return;
      current = next;
      pending.add(next);
    }
    drain();
  }

  /**
   * The read known by {@code read} failed for the {@code attempt}th time in a row with {@code
   * cause} and retries: progress shows it until it is {@link #answered}, or until a read that
   * failed later has to be shown instead.
   */
  public void retrying(Object read, int attempt, TransientException cause) {
    update(
        p -> {
          retrying.remove(read);
          retrying.put(read, new Retry(attempt, cause));
          return p.retrying(attempt, cause);
        });
  }

  /** The read known by {@code read} got an answer, or ended: it no longer retries. */
  public void answered(Object read) {
    update(
        p -> {
          if (retrying.remove(read) == null) return p;
          Retry last = null;
          for (Retry r : retrying.values()) last = r;
          return last == null ? p.retrying(0, null) : p.retrying(last.attempt, last.cause);
        });
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
