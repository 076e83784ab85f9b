package dev.rstream.server.write;

import dev.rstream.server.state.AppendRejectedException;
import dev.rstream.server.state.OffsetFormat;
import dev.rstream.server.state.StreamConventions;
import dev.rstream.server.storage.LogStore;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.ProducerState;
import dev.rstream.server.storage.StreamClosedException;
import dev.rstream.server.storage.StreamExistsException;
import dev.rstream.server.storage.StreamMeta;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts validated units into the store for {@link StreamWriter}: runs the conventions around each
 * unit, stamps JSON messages with their offset, and keeps the path's {@link WriteState} in step
 * with what was handed to the store. Every method but {@link #finishCreate} runs under the path's
 * append lock, which the caller holds.
 */
final class UnitWriter {
  private static final Logger log = LoggerFactory.getLogger(StreamWriter.class);

  private final LogStore store;
  private final StreamConventions conventions;
  private final OffsetFormat offsets;
  private final LongSupplier clock;

  UnitWriter(
      LogStore store, StreamConventions conventions, OffsetFormat offsets, LongSupplier clock) {
    this.store = store;
    this.conventions = conventions;
    this.offsets = offsets;
    this.clock = clock;
  }

  /**
   * What is left of a creation once the store has the stream: {@code afterCreate}, then the
   * messages and close that could not go into the store with it.
   */
  record Created(StreamMeta meta, List<byte[]> laterMessages, boolean closeLater) {}

  /**
   * Creates the stream under its lock. The initial unit goes into the store atomically with the
   * creation, except when it needs {@code headers.offset} (the incarnation is only known once the
   * store created the stream) or the stream is a state stream (its first keyframe, written by
   * {@code afterCreate}, must come before the client's messages): then it is a second unit, which
   * {@link #finishCreate} appends.
   */
  Created createLocked(WriteState state, StreamMeta meta, List<byte[]> messages, boolean close)
      throws WriteRejectedException {
    boolean json = MediaTypes.isJson(meta.contentType());
    boolean separateUnit =
        !messages.isEmpty() && (meta.keyframePolicy() != null || (json && needsStamp(messages)));
    List<byte[]> initial = separateUnit ? List.of() : messages;
    if (!initial.isEmpty()) {
      initial = beforeAppend(meta, initial);
    }
    // A state stream's first keyframe must go in before it closes: close it as a later unit.
    boolean closeAtCreate = close && !separateUnit && meta.keyframePolicy() == null;
    StreamMeta toCreate =
        new StreamMeta(
            meta.path(),
            0,
            meta.contentType(),
            meta.ttlSeconds(),
            meta.expiresAtMillis(),
            meta.keyframePolicy(),
            meta.createdAtMillis(),
            0,
            closeAtCreate,
            null,
            meta.retention(),
            0);
    CompletableFuture<Long> future;
    try {
      future = store.create(toCreate, initial);
    } catch (StreamExistsException e) {
      // Created behind this writer's back: reload, and let the client retry.
      state.loaded = false;
      throw new WriteRejectedException.CreatedConcurrently(meta.path());
    }
    // The store shows a stream in meta() as soon as create() returned (LogStore contract),
    // unless it failed at once (a store that failed a write and is healing).
    StreamMeta stored = store.meta(meta.path());
    if (stored == null) {
      state.loaded = false;
      throw new WriteRejectedException.StorageFailed(meta.path(), failureOf(future));
    }
    state.loaded = true;
    state.stale = false;
    future.whenComplete(
        (tail, error) -> {
          if (error != null) state.stale = true; // never created: reload before the next write
        });
    state.meta = stored;
    state.tail = total(initial);
    state.closed = closeAtCreate;
    state.lastWrite = future;
    if (!initial.isEmpty()) {
      conventions.afterAppend(stored, initial, state.tail);
    }
    return new Created(stored, separateUnit ? messages : List.of(), close && !closeAtCreate);
  }

  /**
   * Calls {@code afterCreate} without the lock (a state stream's first keyframe goes through {@link
   * StreamWriter#appendUnit} and the conventions wait for it), then appends what {@link
   * #createLocked} left over. Completes when all of it is durable.
   */
  CompletableFuture<?> finishCreate(WriteState state, Created created)
      throws WriteRejectedException {
    conventions.afterCreate(created.meta());
    synchronized (state) {
      StreamMeta meta = state.meta;
      if (meta == null || meta.incarnation() != created.meta().incarnation()) {
        throw new WriteRejectedException.NotFound(state.path);
      }
      if (!created.laterMessages().isEmpty() || created.closeLater()) {
        if (state.closed) {
          throw state.closedError();
        }
        appendLocked(state, created.laterMessages(), created.closeLater(), null, null);
      }
      return state.lastWrite;
    }
  }

  private boolean needsStamp(List<byte[]> messages) {
    // Parsing is the only exact test; stamping at offset 0 of incarnation 0 shows whether it
    // changes anything.
    JsonMessages.Stamped stamped = JsonMessages.stamp(messages, 0, 0, offsets);
    for (int i = 0; i < messages.size(); i++) {
      if (stamped.messages().get(i) != messages.get(i)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Stores a validated unit under the lock (the caller holds it) and returns the durability future.
   */
  CompletableFuture<Long> appendLocked(
      WriteState state,
      List<byte[]> messages,
      boolean close,
      @Nullable String streamSeq,
      @Nullable Producer producer)
      throws WriteRejectedException {
    StreamMeta meta = Objects.requireNonNull(state.meta);
    List<byte[]> stored = messages;
    if (!stored.isEmpty()) {
      stored = beforeAppend(meta, stored);
      if (state.isJson()) {
        stored = JsonMessages.stamp(stored, meta.incarnation(), state.tail, offsets).messages();
      }
    }
    long newTail = state.tail + total(stored);
    ProducerState producerState =
        producer == null
            ? null
            : new ProducerState(producer.id(), producer.epoch(), producer.seq(), newTail, close);
    CompletableFuture<Long> future;
    try {
      future = store.append(state.path, stored, producerState, streamSeq, close);
    } catch (NoSuchStreamException e) {
      state.clear();
      state.loaded = false;
      throw new WriteRejectedException.NotFound(state.path);
    } catch (StreamClosedException e) {
      state.loaded = false;
      throw new WriteRejectedException.Closed(state.path, meta.incarnation(), -1);
    }
    state.tail = newTail;
    if (close) {
      state.closed = true;
      state.closedBy = producerState;
    }
    if (producerState != null) {
      state.producers.put(producerState.producerId(), producerState);
    }
    if (streamSeq != null) {
      state.lastStreamSeq = streamSeq;
    }
    state.lastWrite = future;
    if (!stored.isEmpty()) {
      conventions.afterAppend(meta, stored, newTail);
    }
    boolean applied = !stored.isEmpty();
    future.whenComplete(
        (tail, error) -> {
          if (error != null) {
            // The tail, producers and closed flag here ran ahead: reload from the store.
            state.stale = true;
            if (applied) conventions.afterWriteFailed(meta);
          }
        });
    return future.thenApply(
        tail -> {
          if (tail != newTail) {
            log.error(
                "store put the unit on {} at {} but the offsets said {}",
                state.path,
                tail,
                newTail);
          }
          return tail;
        });
  }

  private static Throwable failureOf(CompletableFuture<?> future) {
    try {
      future.getNow(null);
      return new java.io.IOException("the store did not create the stream");
    } catch (java.util.concurrent.CompletionException
        | java.util.concurrent.CancellationException e) {
      return e.getCause() != null ? e.getCause() : e;
    }
  }

  private List<byte[]> beforeAppend(StreamMeta meta, List<byte[]> messages)
      throws WriteRejectedException {
    try {
      return conventions.beforeAppend(meta, messages, clock.getAsLong());
    } catch (AppendRejectedException e) {
      throw new WriteRejectedException.RejectedByConventions(meta.path(), e.getMessage());
    }
  }

  private static long total(List<byte[]> messages) {
    long sum = 0;
    for (byte[] message : messages) {
      sum += message.length;
    }
    return sum;
  }
}
