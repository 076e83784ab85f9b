package dev.rstream.server.http;

import dev.rstream.server.state.AppendRejectedException;
import dev.rstream.server.state.StreamConventions;
import dev.rstream.server.state.UnitAppender;
import dev.rstream.server.storage.LogStore;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.ProducerState;
import dev.rstream.server.storage.StreamClosedException;
import dev.rstream.server.storage.StreamExistsException;
import dev.rstream.server.storage.StreamMeta;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one write path of the server: creates, appends (client POSTs and the conventions' own units
 * through {@link UnitAppender}), closes, deletes and expires streams.
 *
 * <p>Every write to a path runs under that path's {@link StreamState} monitor: validate (closed,
 * content type, producer, {@code Stream-Seq}) → {@link StreamConventions#beforeAppend} → compute
 * offsets → {@link LogStore#append} → {@link StreamConventions#afterAppend}. The lock is released
 * before durability; callers answer the client when the returned future completes. Nothing is
 * stored when a method throws.
 */
final class StreamWriter implements UnitAppender {
  private static final Logger log = LoggerFactory.getLogger(StreamWriter.class);

  private final LogStore store;
  private final StreamConventions conventions;
  private final LongSupplier clock;
  private final ConcurrentHashMap<String, StreamState> states = new ConcurrentHashMap<>();
  /** Last read or write per path, for sliding TTLs (spec 5.1); memory only, reset on restart. */
  private final ConcurrentHashMap<String, Long> lastAccess = new ConcurrentHashMap<>();
  private final long startMillis;

  StreamWriter(LogStore store, StreamConventions conventions, LongSupplier clock) {
    this.store = store;
    this.conventions = conventions;
    this.clock = clock;
    this.startMillis = clock.getAsLong();
  }

  /** A client's {@code Producer-*} headers, already syntax-checked. */
  record Producer(String id, long epoch, long seq) {}

  record CreateRequest(
      String path,
      String contentType,
      @Nullable Long ttlSeconds,
      @Nullable Long expiresAtMillis,
      @Nullable String keyframePolicy,
      boolean closed,
      List<byte[]> messages) {}

  /** @param created false for an idempotent re-create (200) */
  record CreateOutcome(boolean created, StreamMeta meta, long tail, boolean closed) {}

  record AppendRequest(
      String path,
      @Nullable String contentType,
      List<byte[]> messages,
      boolean close,
      @Nullable String streamSeq,
      @Nullable Producer producer) {}

  /**
   * @param duplicate an idempotent producer retry: nothing was appended
   * @param producerSeq for producer writes, the highest accepted sequence number
   */
  record AppendOutcome(
      boolean duplicate, long incarnation, long tail, boolean closed, @Nullable Long producerSeq) {}

  /**
   * The stream's stored metadata, or null when there is none or it has expired (an expired
   * stream is deleted here). {@code touch} restarts its sliding TTL (reads and writes; not HEAD).
   */
  @Nullable StreamMeta liveMeta(String path, boolean touch) {
    StreamMeta meta = store.meta(path);
    if (meta == null) {
      return null;
    }
    long now = clock.getAsLong();
    if (expired(meta, now)) {
      expire(meta);
      return null;
    }
    if (touch && meta.ttlSeconds() != null) {
      lastAccess.put(path, now);
    }
    return meta;
  }

  private boolean expired(StreamMeta meta, long now) {
    if (meta.expiresAtMillis() != null && now >= meta.expiresAtMillis()) {
      return true;
    }
    Long ttl = meta.ttlSeconds();
    if (ttl != null) {
      long last =
          lastAccess.getOrDefault(meta.path(), Math.max(startMillis, meta.createdAtMillis()));
      // A TTL too large to count in millis never runs out.
      return ttl <= Long.MAX_VALUE / 1000 && now - last >= ttl * 1000;
    }
    return false;
  }

  /**
   * Deletes every stream whose TTL or absolute expiry has passed, so that streams nobody touches
   * again do not stay in the store. Reads and writes find expired streams on their own.
   */
  void sweepExpired() {
    long now = clock.getAsLong();
    for (StreamMeta meta : store.streams()) {
      if ((meta.ttlSeconds() != null || meta.expiresAtMillis() != null) && expired(meta, now)) {
        expire(meta);
      }
    }
  }

  private void expire(StreamMeta expired) {
    StreamState state = state(expired.path());
    boolean deleted = false;
    synchronized (state) {
      load(state);
      StreamMeta meta = state.meta;
      if (meta != null
          && meta.incarnation() == expired.incarnation()
          && expired(meta, clock.getAsLong())) {
        try {
          store.delete(expired.path());
          deleted = true;
        } catch (NoSuchStreamException ignored) {
          // Someone else removed it first; either way it is gone.
        }
        state.clear();
        lastAccess.remove(expired.path());
      }
    }
    if (deleted) {
      log.info("stream {} expired", expired.path());
      conventions.afterDelete(expired.path());
    }
  }

  /** Creates a stream, or confirms an identical one (spec 5.1). */
  CompletableFuture<CreateOutcome> create(CreateRequest request) throws HttpError {
    liveMeta(request.path(), false); // deletes an expired stream, so the path is free again
    StreamState state = state(request.path());
    Created created;
    synchronized (state) {
      load(state);
      StreamMeta existing = state.meta;
      if (existing != null) {
        if (!sameConfig(existing, request, state.closed)) {
          throw HttpError.conflict(
              "stream_exists",
              "stream " + request.path() + " exists with another configuration (content type, "
                  + "TTL/expiry, keyframe policy or closed status)");
        }
        CreateOutcome outcome = new CreateOutcome(false, existing, state.tail, state.closed);
        return state.lastWrite.handle((ignored, error) -> outcome);
      }
      long now = clock.getAsLong();
      StreamMeta meta =
          new StreamMeta(
              request.path(),
              0,
              request.contentType(),
              request.ttlSeconds(),
              request.expiresAtMillis(),
              request.keyframePolicy(),
              now,
              0,
              false,
              null);
      if (request.ttlSeconds() != null) {
        lastAccess.put(request.path(), now);
      }
      created = createLocked(state, meta, request.messages(), request.closed());
    }
    CompletableFuture<?> done = finishCreate(state, created);
    return done.thenApply(
        ignored -> {
          synchronized (state) {
            return new CreateOutcome(true, created.meta(), state.tail, state.closed);
          }
        });
  }

  private static boolean sameConfig(StreamMeta existing, CreateRequest request, boolean closed) {
    return MediaTypes.sameType(existing.contentType(), request.contentType())
        && Objects.equals(existing.ttlSeconds(), request.ttlSeconds())
        && Objects.equals(existing.expiresAtMillis(), request.expiresAtMillis())
        && Objects.equals(existing.keyframePolicy(), request.keyframePolicy())
        && closed == request.closed();
  }

  /**
   * What is left of a creation once the store has the stream: {@code afterCreate}, then the
   * messages and close that could not go into the store with it.
   */
  private record Created(StreamMeta meta, List<byte[]> laterMessages, boolean closeLater) {}

  /**
   * Creates the stream under its lock. The initial unit goes into the store atomically with the
   * creation, except when it needs {@code headers.offset} (the incarnation is only known once the
   * store created the stream) or the stream is a state stream (its first keyframe, written by
   * {@code afterCreate}, must come before the client's messages): then it is a second unit, which
   * {@link #finishCreate} appends.
   */
  private Created createLocked(
      StreamState state, StreamMeta meta, List<byte[]> messages, boolean close) throws HttpError {
    boolean json = MediaTypes.isJson(meta.contentType());
    boolean separateUnit =
        !messages.isEmpty()
            && (meta.keyframePolicy() != null || (json && needsStamp(messages)));
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
            null);
    CompletableFuture<Long> future;
    try {
      future = store.create(toCreate, initial);
    } catch (StreamExistsException e) {
      // Created behind this writer's back: reload, and let the client retry.
      state.loaded = false;
      throw HttpError.conflict(
          "stream_exists", "stream " + meta.path() + " was created concurrently; retry");
    }
    // The store shows a stream in meta() as soon as create() returned (LogStore contract).
    StreamMeta stored = Objects.requireNonNull(store.meta(meta.path()), "created stream has no meta");
    state.loaded = true;
    state.stale = false;
    state.meta = stored;
    state.tail = total(initial);
    state.closed = closeAtCreate;
    state.lastWrite = future;
    if (!initial.isEmpty()) {
      conventions.afterAppend(stored, initial, state.tail);
    }
    return new Created(
        stored, separateUnit ? messages : List.of(), close && !closeAtCreate);
  }

  /**
   * Calls {@code afterCreate} without the lock (a state stream's first keyframe goes through
   * {@link #appendUnit} and the conventions wait for it), then appends what {@link #createLocked}
   * left over. Completes when all of it is durable.
   */
  private CompletableFuture<?> finishCreate(StreamState state, Created created) throws HttpError {
    conventions.afterCreate(created.meta());
    synchronized (state) {
      StreamMeta meta = state.meta;
      if (meta == null || meta.incarnation() != created.meta().incarnation()) {
        throw HttpError.notFound(state.path);
      }
      if (!created.laterMessages().isEmpty() || created.closeLater()) {
        if (state.closed) {
          throw closedError(state);
        }
        appendLocked(state, created.laterMessages(), created.closeLater(), null, null);
      }
      return state.lastWrite;
    }
  }

  private static boolean needsStamp(List<byte[]> messages) {
    // Parsing is the only exact test; stamping at offset 0 of incarnation 0 shows whether it
    // changes anything.
    JsonMessages.Stamped stamped = JsonMessages.stamp(messages, 0, 0);
    for (int i = 0; i < messages.size(); i++) {
      if (stamped.messages().get(i) != messages.get(i)) {
        return true;
      }
    }
    return false;
  }

  /** Appends one client unit (spec 5.2, 5.2.1), or closes the stream when it has no messages. */
  CompletableFuture<AppendOutcome> append(AppendRequest request) throws HttpError {
    StreamState state = state(request.path());
    synchronized (state) {
      load(state);
      StreamMeta meta = state.meta;
      if (meta == null) {
        throw HttpError.notFound(request.path());
      }
      Producer producer = request.producer();
      boolean closeOnly = request.messages().isEmpty();
      if (state.closed) {
        ProducerState closedBy = state.closedBy;
        if (producer != null
            && closedBy != null
            && closedBy.producerId().equals(producer.id())
            && closedBy.epoch() == producer.epoch()
            && closedBy.lastSeq() == producer.seq()) {
          return duplicate(state, closedBy);
        }
        if (closeOnly && request.close() && producer == null) {
          AppendOutcome outcome =
              new AppendOutcome(false, meta.incarnation(), state.tail, true, null);
          return state.lastWrite.handle((ignored, error) -> outcome);
        }
        throw closedError(state);
      }
      if (!closeOnly
          && (request.contentType() == null
              || !MediaTypes.sameType(meta.contentType(), request.contentType()))) {
        throw HttpError.conflict(
            "content_type_mismatch",
            "stream " + request.path() + " has content type " + meta.contentType()
                + ", the append has " + request.contentType());
      }
      if (producer != null) {
        ProducerState current = state.producers.get(producer.id());
        if (current == null) {
          if (producer.seq() != 0) {
            throw sequenceGap(request.path(), producer, 0);
          }
        } else if (producer.epoch() < current.epoch()) {
          throw new HttpError(
                  403,
                  "stale_producer_epoch",
                  "producer " + producer.id() + " on stream " + request.path() + " sent epoch "
                      + producer.epoch() + ", the current epoch is " + current.epoch())
              .header("Producer-Epoch", Long.toString(current.epoch()));
        } else if (producer.epoch() > current.epoch()) {
          if (producer.seq() != 0) {
            throw HttpError.badRequest(
                "invalid_producer_seq",
                "producer " + producer.id() + " on stream " + request.path()
                    + " must start epoch " + producer.epoch() + " at Producer-Seq 0, not "
                    + producer.seq());
          }
        } else if (producer.seq() <= current.lastSeq()) {
          return duplicate(state, current);
        } else if (producer.seq() != current.lastSeq() + 1) {
          throw sequenceGap(request.path(), producer, current.lastSeq() + 1);
        }
      }
      String streamSeq = request.streamSeq();
      String lastStreamSeq = state.lastStreamSeq;
      if (streamSeq != null && lastStreamSeq != null && !after(streamSeq, lastStreamSeq)) {
        throw HttpError.conflict(
            "stream_seq_regression",
            "Stream-Seq " + streamSeq + " is not above the last one (" + lastStreamSeq
                + ") on stream " + request.path());
      }
      CompletableFuture<Long> done =
          appendLocked(state, request.messages(), request.close(), streamSeq, producer);
      AppendOutcome outcome =
          new AppendOutcome(
              false,
              meta.incarnation(),
              state.tail,
              state.closed,
              producer == null ? null : producer.seq());
      return done.thenApply(ignored -> outcome);
    }
  }

  /**
   * Spec 5.2: {@code Stream-Seq} values compare byte-wise. {@link String#compareTo} compares UTF-16
   * units, which orders characters above U+FFFF differently, hence the UTF-8 bytes.
   */
  private static boolean after(String seq, String last) {
    return Arrays.compareUnsigned(
            seq.getBytes(StandardCharsets.UTF_8), last.getBytes(StandardCharsets.UTF_8))
        > 0;
  }

  private static CompletableFuture<AppendOutcome> duplicate(StreamState state, ProducerState by) {
    AppendOutcome outcome =
        new AppendOutcome(
            true,
            Objects.requireNonNull(state.meta).incarnation(),
            state.tail,
            state.closed,
            by.lastSeq());
    // Say "done" only once the original write is durable too.
    return state.lastWrite.thenApply(ignored -> outcome);
  }

  private static HttpError sequenceGap(String path, Producer producer, long expected) {
    return HttpError.conflict(
            "producer_sequence_gap",
            "producer " + producer.id() + " on stream " + path + " sent Producer-Seq "
                + producer.seq() + ", expected " + expected)
        .header("Producer-Expected-Seq", Long.toString(expected))
        .header("Producer-Received-Seq", Long.toString(producer.seq()));
  }

  private static HttpError closedError(StreamState state) {
    StreamMeta meta = Objects.requireNonNull(state.meta);
    return HttpError.conflict("stream_closed", "stream " + state.path + " is closed")
        .header("Stream-Closed", "true")
        .header("Stream-Next-Offset", Offset.format(meta.incarnation(), state.tail));
  }

  /**
   * Stores a validated unit under the lock (the caller holds it) and returns the durability
   * future.
   */
  private CompletableFuture<Long> appendLocked(
      StreamState state,
      List<byte[]> messages,
      boolean close,
      @Nullable String streamSeq,
      @Nullable Producer producer)
      throws HttpError {
    StreamMeta meta = Objects.requireNonNull(state.meta);
    List<byte[]> stored = messages;
    if (!stored.isEmpty()) {
      stored = beforeAppend(meta, stored);
      if (state.isJson()) {
        stored = JsonMessages.stamp(stored, meta.incarnation(), state.tail).messages();
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
      throw HttpError.notFound(state.path);
    } catch (StreamClosedException e) {
      state.loaded = false;
      throw HttpError.conflict("stream_closed", "stream " + state.path + " is closed")
          .header("Stream-Closed", "true");
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
    return future.thenApply(
        tail -> {
          if (tail != newTail) {
            log.error(
                "store put the unit on {} at {} but the offsets said {}", state.path, tail, newTail);
          }
          return tail;
        });
  }

  private List<byte[]> beforeAppend(StreamMeta meta, List<byte[]> messages) throws HttpError {
    try {
      return conventions.beforeAppend(meta, messages, clock.getAsLong());
    } catch (AppendRejectedException e) {
      throw HttpError.badRequest(
          "append_rejected", "stream " + meta.path() + ": " + e.getMessage());
    }
  }

  /** Deletes a stream (spec 5.4); the future completes once the deletion is durable. */
  CompletableFuture<Void> delete(String path) throws HttpError {
    StreamState state = state(path);
    CompletableFuture<Void> deleted;
    synchronized (state) {
      load(state);
      if (state.meta == null) {
        throw HttpError.notFound(path);
      }
      try {
        deleted = store.delete(path);
      } catch (NoSuchStreamException e) {
        state.clear();
        throw HttpError.notFound(path);
      }
      state.clear();
      lastAccess.remove(path);
    }
    conventions.afterDelete(path);
    return deleted;
  }

  @Override
  public CompletableFuture<Long> appendUnit(
      String path, List<byte[]> messages, @Nullable StreamMeta createIfMissing) {
    StreamState state = state(path);
    try {
      Created created;
      synchronized (state) {
        load(state);
        if (state.meta == null) {
          if (createIfMissing == null) {
            return CompletableFuture.failedFuture(new NoSuchStreamException("no stream at " + path));
          }
          StreamMeta meta =
              new StreamMeta(
                  path,
                  0,
                  createIfMissing.contentType(),
                  createIfMissing.ttlSeconds(),
                  createIfMissing.expiresAtMillis(),
                  createIfMissing.keyframePolicy(),
                  clock.getAsLong(),
                  0,
                  false,
                  null);
          created = createLocked(state, meta, messages, false);
        } else if (state.closed) {
          return CompletableFuture.failedFuture(
              new StreamClosedException("stream " + path + " is closed"));
        } else {
          return appendLocked(state, messages, false, null, null);
        }
      }
      finishCreate(state, created);
      synchronized (state) {
        long tail = state.tail;
        return state.lastWrite.thenApply(ignored -> tail);
      }
    } catch (HttpError e) {
      Throwable cause =
          e.code.equals("append_rejected") ? new AppendRejectedException(e.getMessage()) : e;
      return CompletableFuture.failedFuture(cause);
    }
  }

  /**
   * Tail listener part: a stream deleted behind this writer (the conventions delete index streams
   * in the store directly) must be reloaded before its next write. Only flags the state: the store
   * calls this under its own locks, so taking the append lock here could deadlock.
   */
  void onTail(String path, boolean deleted) {
    if (deleted) {
      StreamState state = states.get(path);
      if (state != null) {
        state.stale = true;
      }
    }
  }

  private StreamState state(String path) {
    return states.computeIfAbsent(path, StreamState::new);
  }

  /** Loads the state from the store the first time the path is written. Caller holds the lock. */
  private void load(StreamState state) {
    if (state.loaded && !state.stale) {
      return;
    }
    state.stale = false;
    state.clear();
    StreamMeta meta = store.meta(state.path);
    if (meta != null) {
      state.meta = meta;
      state.tail = meta.tailPosition();
      state.closed = meta.closed();
      state.lastStreamSeq = meta.lastStreamSeq();
      try {
        for (ProducerState producer : store.producers(state.path)) {
          state.producers.put(producer.producerId(), producer);
          if (meta.closed()
              && producer.closedStream()
              && producer.lastTailPosition() == meta.tailPosition()) {
            state.closedBy = producer;
          }
        }
      } catch (NoSuchStreamException e) {
        state.clear();
      }
    }
    state.loaded = true;
  }

  private static long total(List<byte[]> messages) {
    long sum = 0;
    for (byte[] message : messages) {
      sum += message.length;
    }
    return sum;
  }

  /** Unwraps the store's failure for an error answer. */
  static Throwable cause(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }
}
