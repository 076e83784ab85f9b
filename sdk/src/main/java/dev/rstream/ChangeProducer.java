package dev.rstream;

import static java.util.Objects.requireNonNull;

import dev.rstream.durable.AppendResult;
import dev.rstream.durable.IdempotentProducer;
import dev.rstream.internal.state.ChangeEncoder;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Single;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends {@link Change}s to a client's stream exactly once, through retries and restarts: an
 * {@link IdempotentProducer} whose identity the client keeps in its {@link LocalStore}. Get one
 * from {@link RStreamClient#producer()}.
 *
 * <p>Changes queued close together travel in one request (one append unit, so {@link
 * RStreamClient#live()} shows them as one state). Thread-safe; results complete on the I/O thread.
 * A producer fenced by a newer instance of the same identity (the same app restarted on the same
 * store) fails its appends with {@link ProducerFencedException}. Once its client is {@linkplain
 * RStreamClient#close() closed}, {@link #append}, {@link #flush()} and {@link #detach()} fail with
 * {@code IllegalStateException} (the client sends what was queued before).
 */
public final class ChangeProducer {
  private final IdempotentProducer producer;
  private final String id;
  private final ClosedGate gate;
  private final ClientAppends appends;

  ChangeProducer(IdempotentProducer producer, String id, ClosedGate gate, ClientAppends appends) {
    this.producer = producer;
    this.id = id;
    this.gate = gate;
    this.appends = appends;
  }

  /**
   * Queues {@code change} and emits the offset after the request that carried it, which {@link
   * RStreamClient#awaitOffset} takes to read your own write (for a retry the server had already
   * applied, whose answer names no offset, the stream's tail then, at or past it). {@link
   * Change#offset()} is ignored; a change without a timestamp gets the server's.
   */
  public Single<Offset> append(Change change) {
    requireNonNull(change, "change == null");
    if (gate.isClosed()) return Single.error(gate.closedError());
    return producer.appendJson(ChangeEncoder.encode(change)).flatMap(appends::offsetAfter);
  }

  /**
   * Queues {@code changes} to travel in one request, never split: one append unit, atomic, which
   * {@link RStreamClient#live()} shows as one state. Otherwise as {@link #append(Change)}.
   */
  public Single<Offset> append(List<Change> changes) {
    return appendUnit(changes).flatMap(appends::offsetAfter);
  }

  /** Appends {@code changes} as one unit and emits the server's answer to it. */
  Single<AppendResult> appendUnit(List<Change> changes) {
    requireNonNull(changes, "changes == null");
    if (changes.isEmpty()) throw new IllegalArgumentException("no changes to append");
    List<String> messages = new ArrayList<>(changes.size());
    for (int i = 0; i < changes.size(); i++) {
      messages.add(
          ChangeEncoder.encode(requireNonNull(changes.get(i), "changes[" + i + "] == null")));
    }
    if (gate.isClosed()) return Single.error(gate.closedError());
    return producer.appendJson(messages);
  }

  /** Completes when every change queued before the call is acknowledged; fails if one failed. */
  public Completable flush() {
    return Completable.defer(
        () -> gate.isClosed() ? Completable.error(gate.closedError()) : producer.flush());
  }

  /** Flushes and stops this producer; later appends fail. The stream stays open. */
  public Completable detach() {
    return Completable.defer(
        () -> gate.isClosed() ? Completable.error(gate.closedError()) : producer.detach());
  }

  /** What {@link RStreamClient#close()} does with its producer: as {@link #detach()}. */
  Completable stop() {
    return producer.detach();
  }

  /** The producer id ({@code Producer-Id}), the same for every client on the same store. */
  public String id() {
    return id;
  }

  /** The epoch in use ({@code Producer-Epoch}): one more than the last client's on this store. */
  public long epoch() {
    return producer.epoch();
  }

  @Override
  public String toString() {
    return "ChangeProducer{" + id + ", epoch=" + producer.epoch() + "}";
  }
}
