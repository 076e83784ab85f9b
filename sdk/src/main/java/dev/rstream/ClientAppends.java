package dev.rstream;

import dev.rstream.durable.AppendResult;
import dev.rstream.durable.ProducerOptions;
import dev.rstream.internal.live.LiveCursor;
import dev.rstream.internal.outbox.Outbox;
import dev.rstream.internal.retry.Recovery;
import dev.rstream.internal.window.DurableStreamSource;
import dev.rstream.internal.window.ProgressBoard;
import dev.rstream.internal.window.StreamSource;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The client's write path: {@link RStreamClient#append} through the outbox when there is one (the
 * store's, durable, or one in memory if the builder asked for it), else through the client's
 * idempotent {@link ChangeProducer} (made here, its identity kept in the store); the outbox's size
 * and refusals; and {@link RStreamClient#awaitOffset}, which reads your own writes. Thread-safe.
 */
final class ClientAppends {
  private static final Logger log = Logger.getLogger(RStreamClient.class.getName());

  private final ClosedGate gate;
  private final String streamUrl;
  // The builder's retry policy: appends and the producer.
  private final StreamSource source;
  private final LocalStore store;
  private final LiveCursor cursor;
  private final ProgressBoard progress;
  private final Scheduler scheduler;
  // Set when there is an outbox (the store's or one in memory): append writes there, it sends.
  private final @Nullable Outbox outbox;
  private @Nullable ChangeProducer producer; // guarded by this

  ClientAppends(
      ClosedGate gate,
      StreamSource source,
      LocalStore store,
      LiveCursor cursor,
      ProgressBoard progress,
      Scheduler scheduler,
      @Nullable Outbox outbox) {
    this.gate = gate;
    this.streamUrl = source.url();
    this.source = source;
    this.store = store;
    this.cursor = cursor;
    this.progress = progress;
    this.scheduler = scheduler;
    this.outbox = outbox;
  }

  /** See {@link RStreamClient#append(List)}. */
  Single<Offset> append(List<Change> changes) {
    List<Change> copy = new ArrayList<>(changes);
    Outbox kept = outbox;
    if (kept != null) {
      if (gate.isClosed()) return Single.error(gate.closedError());
      try {
        return kept.append(copy).flatMap(this::offsetAfter);
      } catch (RuntimeException e) { // the store could not write it: not appended at all
        return Single.error(e);
      }
    }
    return Single.defer(
            () ->
                gate.isClosed()
                    ? Single.<Offset>error(gate.closedError())
                    : appendThroughProducer(copy))
        .onErrorResumeNext(
            error ->
                // Refused, so not applied: the server's producer state is not ours (the stream was
                // created again, or another instance took the id). A new epoch sends it once more,
                // unless an earlier attempt's answer was lost: the server may hold that one at the
                // old epoch, and under a new one it would apply it again.
                (error instanceof SequenceConflictException
                            || error instanceof ProducerFencedException)
                        && !Recovery.afterRetry(error)
                    ? appendThroughProducer(copy)
                    : Single.error(error));
  }

  private Single<Offset> appendThroughProducer(List<Change> changes) {
    return Single.defer(
        () -> {
          ChangeProducer made = producer();
          return made.appendUnit(changes)
              .doOnError(error -> forget(made))
              .flatMap(this::offsetAfter);
        });
  }

  /** The offset after a producer's append, from its answer. */
  Single<Offset> offsetAfter(AppendResult result) {
    return result.nextOffset() == null && result.duplicate()
        // A retry the server had already applied: its answer carries no offset (spec 5.2.1).
        // The tail now is at or past it, which is all read-your-writes needs.
        ? source.tail()
        : Single.just(DurableStreamSource.appendedOffset(result, streamUrl));
  }

  /** A producer whose append failed has failed for good: the next append makes a new one. */
  private void forget(ChangeProducer failed) {
    synchronized (this) {
      if (producer != failed) return;
      producer = null;
    }
    failed.stop().onErrorComplete().subscribe();
  }

  /** See {@link RStreamClient#producer()}. */
  synchronized ChangeProducer producer() {
    gate.checkOpen();
    ChangeProducer existing = producer;
    if (existing != null) return existing;
    LocalStore.StoredProducer stored = null;
    try {
      stored = store.producer(streamUrl);
    } catch (RuntimeException e) { // any store's failure, not only ours: never crash the app
      log.log(
          Level.WARNING, streamUrl + ": cannot read the stored producer, starting a new one", e);
    }
    String id = stored != null ? stored.id() : "rstream-" + UUID.randomUUID();
    long epoch = stored != null ? stored.epoch() + 1 : 0;
    try {
      store.putProducer(streamUrl, LocalStore.StoredProducer.of(id, epoch));
    } catch (RuntimeException e) {
      log.log(Level.WARNING, streamUrl + ": cannot save the producer, using an unsaved one", e);
      id = "rstream-" + UUID.randomUUID();
      epoch = 0;
    }
    ChangeProducer made =
        new ChangeProducer(
            source.producer(ProducerOptions.builder(id).epoch(epoch).build()), id, gate, this);
    producer = made;
    return made;
  }

  /**
   * Closes the gate under the producer's lock, so that no producer is made after it; false if it
   * was closed already.
   */
  synchronized boolean closeGate() {
    return gate.close();
  }

  /** The producer in use, if one was made and has not failed: {@code close()} stops it. */
  synchronized @Nullable ChangeProducer currentProducer() {
    return producer;
  }

  /** See {@link RStreamClient#awaitOffset(Offset)}. */
  Completable awaitOffset(Offset offset) {
    return Completable.defer(
        () -> {
          if (gate.isClosed()) return Completable.error(gate.closedError());
          return cursor
              .updates()
              .filter(u -> u.point().offset().compareTo(offset) >= 0)
              .firstElement()
              .switchIfEmpty(
                  Single.error(() -> gate.endedBefore("offset " + offset.value() + " was reached")))
              .ignoreElement();
        });
  }

  /** See {@link RStreamClient#awaitOffset(Offset, long, TimeUnit)}. */
  Completable awaitOffset(Offset offset, long timeout, TimeUnit unit) {
    long millis = unit.toMillis(timeout);
    return awaitOffset(offset)
        .timeout(
            timeout,
            unit,
            scheduler,
            Completable.defer(
                () ->
                    Completable.error(
                        new OffsetTimeoutException(
                            streamUrl, offset, millis, progress.current().liveOffset()))));
  }

  boolean durableOutbox() {
    Outbox kept = outbox;
    return kept != null && kept.durable();
  }

  /** See {@link RStreamClient#outboxSize()}. */
  Flowable<Integer> outboxSize() {
    return gate.whileOpen(
        () -> {
          Outbox kept = outbox;
          return kept == null ? Flowable.just(0) : gate.untilClosed(kept.sizes());
        });
  }

  /** See {@link RStreamClient#rejectedWrites()}. */
  Flowable<RejectedWriteException> rejectedWrites() {
    return gate.whileOpen(
        () -> {
          Outbox kept = outbox;
          return kept == null
              ? Flowable.<RejectedWriteException>empty()
              : gate.untilClosed(kept.rejected());
        });
  }

  /** A read succeeded, or the app resumed: the network works, so a waiting outbox sends now. */
  void online() {
    Outbox kept = outbox;
    if (kept != null) kept.online();
  }
}
