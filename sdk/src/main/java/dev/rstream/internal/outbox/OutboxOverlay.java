package dev.rstream.internal.outbox;

import dev.rstream.Change;
import dev.rstream.Offset;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.processors.BehaviorProcessor;
import io.reactivex.rxjava3.processors.FlowableProcessor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The changes of an {@link Outbox} that views show on top of the confirmed state, in append order.
 * An entry stays after the server acknowledged it, until a confirmed state at or past the offset
 * the acknowledgement named (the echo) is shown: so the view that drops it is the view that holds
 * its echo, and a value never reverts between the acknowledgement and the echo. A refused entry
 * goes at once. Thread-safe.
 *
 * <p>Versions are emitted outside the lock, so views are built (and subscribers run) without it;
 * two threads may emit in either order. That is harmless: a version only says "ask again", and
 * {@link #pendingOver} answers from the entries as they are when the view is built, never from the
 * number it was woken by.
 */
public final class OutboxOverlay {
  /** One append's changes and, once acknowledged, where its echo is. */
  static final class Entry {
    final List<Change> changes;
    boolean acknowledged;
    @Nullable Offset echoAt;

    Entry(List<Change> changes) {
      this.changes = changes;
    }
  }

  private final List<Entry> entries = new ArrayList<>();
  private final FlowableProcessor<Long> versions =
      BehaviorProcessor.createDefault(0L).toSerialized();
  private long version;

  /** Adds {@code changes} last; views show them after the next {@link #publish}. */
  synchronized Entry add(List<Change> changes) {
    Entry entry = new Entry(changes);
    entries.add(entry);
    version++;
    return entry;
  }

  /** Tells the views of what {@link #add} added, on this thread unless another one emits now. */
  void publish() {
    long now;
    synchronized (this) {
      now = version;
    }
    versions.onNext(now);
  }

  /** {@code echoAt} null: the answer named no offset (a duplicate); dropped at the next view. */
  void acknowledged(Entry entry, @Nullable Offset echoAt) {
    long now;
    synchronized (this) {
      entry.acknowledged = true;
      entry.echoAt = echoAt;
      now = ++version;
    }
    versions.onNext(now);
  }

  void remove(Entry entry) {
    long now;
    synchronized (this) {
      if (!entries.remove(entry)) return;
      now = ++version;
    }
    versions.onNext(now);
  }

  /**
   * A number that changes whenever {@link #pendingOver} may answer otherwise. Hot, latest first.
   */
  public Flowable<Long> versions() {
    return versions.onBackpressureLatest();
  }

  /**
   * The changes to show over a confirmed state at {@code confirmed}, in append order. Forgets the
   * acknowledged entries whose echo that state holds (views only move forward).
   */
  public synchronized List<Change> pendingOver(Offset confirmed) {
    List<Change> pending = new ArrayList<>();
    for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
      Entry entry = it.next();
      Offset echo = entry.echoAt;
      if (entry.acknowledged && (echo == null || echo.compareTo(confirmed) <= 0)) {
        it.remove();
      } else {
        pending.addAll(entry.changes);
      }
    }
    return pending;
  }
}
