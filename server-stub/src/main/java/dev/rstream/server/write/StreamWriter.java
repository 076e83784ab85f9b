package dev.rstream.server.write;

import dev.rstream.server.state.AppendRejectedException;
import dev.rstream.server.state.OffsetFormat;
import dev.rstream.server.state.StreamConventions;
import dev.rstream.server.state.UnitAppender;
import dev.rstream.server.storage.LogStore;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.ProducerState;
import dev.rstream.server.storage.StreamClosedException;
import dev.rstream.server.storage.StreamMeta;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one write path of the server: creates, appends (client writes and the conventions' own units
 * through {@link UnitAppender}), closes, deletes and expires streams.
 *
 * <p>Every write to a path runs under that path's append lock: validate (closed, content type,
 * producer, {@code Stream-Seq}) → {@link StreamConventions#beforeAppend} → compute offsets → {@link
 * LogStore#append} → {@link StreamConventions#afterAppend}. The lock is released before durability;
 * callers answer the client when the returned future completes, which fails with the store's error
 * when the write did not become durable. Nothing is stored when a method throws.
 *
 * <p>Threading: every method may be called from any thread.
 */
public final class StreamWriter implements UnitAppender {
  private static final Logger log = LoggerFactory.getLogger(StreamWriter.class);

  private final LogStore store;
  private final StreamConventions conventions;
  private final StreamExpiry expiry;
  private final WriteStates states;
  private final UnitWriter units;
  private final IdleProducers idleProducers;

  /**
   * Creates the write path over {@code store}; the caller also registers {@link #onTail} as a tail
   * listener of the store and runs {@link #sweepExpired} now and then.
   *
   * @param offsets spells the offsets stamped into JSON messages ({@code headers.offset}); must
   *     give every offset the same length
   * @param clock the time for expiry, TTLs and the conventions, in epoch milliseconds
   * @param producerIdleMillis how long a producer's state outlives its last accepted write
   */
  public StreamWriter(
      LogStore store,
      StreamConventions conventions,
      OffsetFormat offsets,
      LongSupplier clock,
      long producerIdleMillis) {
    this.store = store;
    this.conventions = conventions;
    this.expiry = new StreamExpiry(clock);
    this.states = new WriteStates(store);
    this.units = new UnitWriter(store, conventions, offsets, clock);
    this.idleProducers = new IdleProducers(store, producerIdleMillis);
  }

  /** A create (spec 5.1): the stream's configuration and its initial messages. */
  public record CreateRequest(
      String path,
      String contentType,
      @Nullable Long ttlSeconds,
      @Nullable Long expiresAtMillis,
      @Nullable String keyframePolicy,
      @Nullable String retention,
      boolean closed,
      List<byte[]> messages) {}

  /**
   * @param created false for an idempotent re-create (200)
   */
  public record CreateOutcome(boolean created, StreamMeta meta, long tail, boolean closed) {}

  /** An append or a close (spec 5.2, 5.3); no messages with {@code close} is a close only. */
  public record AppendRequest(
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
  public record AppendOutcome(
      boolean duplicate, long incarnation, long tail, boolean closed, @Nullable Long producerSeq) {}

  /**
   * The stream's stored metadata, or null when there is none or it has expired (an expired stream
   * is deleted here). {@code touch} restarts its sliding TTL (reads and writes; not HEAD).
   */
  public @Nullable StreamMeta liveMeta(String path, boolean touch) {
    StreamMeta meta = store.meta(path);
    if (meta == null) {
      return null;
    }
    long now = expiry.now();
    if (expiry.expired(meta, now)) {
      expire(meta);
      return null;
    }
    if (touch) {
      expiry.touch(path, meta.ttlSeconds(), now);
    }
    return meta;
  }

  /**
   * Deletes every stream whose TTL or absolute expiry has passed, so that streams nobody touches
   * again do not stay in the store. Reads and writes find expired streams on their own.
   */
  public void sweepExpired() {
    long now = expiry.now();
    for (WriteState state : states.all()) {
      synchronized (state) {
        if (state.loaded) idleProducers.expire(state, now);
      }
    }
    for (StreamMeta meta : store.streams()) {
      if ((meta.ttlSeconds() != null || meta.expiresAtMillis() != null)
          && expiry.expired(meta, now)) {
        expire(meta);
      }
    }
  }

  private void expire(StreamMeta expired) {
    WriteState state = states.get(expired.path());
    boolean deleted = false;
    synchronized (state) {
      states.load(state, expiry.now());
      StreamMeta meta = state.meta;
      if (meta != null
          && meta.incarnation() == expired.incarnation()
          && expiry.expired(meta, expiry.now())) {
        try {
          store.delete(expired.path());
          deleted = true;
        } catch (NoSuchStreamException ignored) {
          // Someone else removed it first; either way it is gone.
        }
        state.clear();
        expiry.forget(expired.path());
      }
    }
    if (deleted) {
      log.info("stream {} expired", expired.path());
      conventions.afterDelete(expired.path());
    }
  }

  /** Creates a stream, or confirms an identical one (spec 5.1). */
  public CompletableFuture<CreateOutcome> create(CreateRequest request)
      throws WriteRejectedException {
    liveMeta(request.path(), false); // deletes an expired stream, so the path is free again
    WriteState state = states.get(request.path());
    UnitWriter.Created created;
    synchronized (state) {
      refuseServerOwned(request.path());
      states.load(state, expiry.now());
      StreamMeta existing = state.meta;
      if (existing != null) {
        if (!sameConfig(existing, request, state.closed)) {
          throw new WriteRejectedException.ConfigMismatch(request.path());
        }
        CreateOutcome outcome = new CreateOutcome(false, existing, state.tail, state.closed);
        return state.lastWrite.handle((ignored, error) -> outcome);
      }
      String taken = conventions.refuseCreate(request.path(), request.keyframePolicy());
      if (taken != null) throw new WriteRejectedException.IndexPathTaken(request.path(), taken);
      long now = expiry.now();
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
              null,
              request.retention(),
              0);
      expiry.touch(request.path(), request.ttlSeconds(), now);
      created = units.createLocked(state, meta, request.messages(), request.closed());
    }
    CompletableFuture<?> done = units.finishCreate(state, created);
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
        && Objects.equals(existing.retention(), request.retention())
        && closed == request.closed();
  }

  /** Appends one client unit (spec 5.2, 5.2.1), or closes the stream when it has no messages. */
  public CompletableFuture<AppendOutcome> append(AppendRequest request)
      throws WriteRejectedException {
    WriteState state = states.get(request.path());
    synchronized (state) {
      states.load(state, expiry.now());
      StreamMeta meta = state.meta;
      if (meta == null) {
        throw new WriteRejectedException.NotFound(request.path());
      }
      refuseServerOwned(request.path());
      Producer producer = request.producer();
      boolean closeOnly = request.messages().isEmpty();
      if (state.closed) {
        if (producer != null && producer.retries(state.closedBy)) {
          return duplicate(state, Objects.requireNonNull(state.closedBy));
        }
        if (closeOnly && request.close() && producer == null) {
          AppendOutcome outcome =
              new AppendOutcome(false, meta.incarnation(), state.tail, true, null);
          return state.lastWrite.handle((ignored, error) -> outcome);
        }
        throw state.closedError();
      }
      if (!closeOnly
          && (request.contentType() == null
              || !MediaTypes.sameType(meta.contentType(), request.contentType()))) {
        throw new WriteRejectedException.ContentTypeMismatch(
            request.path(), meta.contentType(), String.valueOf(request.contentType()));
      }
      idleProducers.expire(state, expiry.now());
      if (producer != null) {
        ProducerState current = state.producers.get(producer.id());
        if (producer.isDuplicate(request.path(), current)) {
          return duplicate(state, Objects.requireNonNull(current));
        }
      }
      String streamSeq = request.streamSeq();
      String lastStreamSeq = state.lastStreamSeq;
      if (streamSeq != null && lastStreamSeq != null && !after(streamSeq, lastStreamSeq)) {
        throw new WriteRejectedException.StreamSeqRegression(
            request.path(), streamSeq, lastStreamSeq);
      }
      CompletableFuture<Long> done =
          units.appendLocked(state, request.messages(), request.close(), streamSeq, producer);
      if (producer != null) idleProducers.used(state, producer.id(), expiry.now());
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

  private void refuseServerOwned(String path) throws WriteRejectedException.ServerOwned {
    String reason = conventions.serverOwned(path);
    if (reason != null) throw new WriteRejectedException.ServerOwned(path, reason);
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

  private static CompletableFuture<AppendOutcome> duplicate(WriteState state, ProducerState by) {
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

  /** Deletes a stream (spec 5.4); the future completes once the deletion is durable. */
  public CompletableFuture<Void> delete(String path) throws WriteRejectedException {
    WriteState state = states.get(path);
    CompletableFuture<Void> deleted;
    synchronized (state) {
      states.load(state, expiry.now());
      if (state.meta == null) {
        throw new WriteRejectedException.NotFound(path);
      }
      refuseServerOwned(path);
      try {
        deleted = store.delete(path);
      } catch (NoSuchStreamException e) {
        state.clear();
        throw new WriteRejectedException.NotFound(path);
      }
      state.clear();
      expiry.forget(path);
    }
    conventions.afterDelete(path);
    return deleted;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Fails with {@link NoSuchStreamException}, {@link StreamClosedException} or {@link
   * AppendRejectedException} as the interface says, or with a {@link WriteRejectedException} when a
   * creation lost a race.
   */
  @Override
  public CompletableFuture<Long> appendUnit(
      String path, List<byte[]> messages, @Nullable StreamMeta createIfMissing) {
    WriteState state = states.get(path);
    try {
      UnitWriter.Created created;
      synchronized (state) {
        states.load(state, expiry.now());
        if (state.meta == null) {
          if (createIfMissing == null) {
            return CompletableFuture.failedFuture(
                new NoSuchStreamException("no stream at " + path));
          }
          StreamMeta meta =
              new StreamMeta(
                  path,
                  0,
                  createIfMissing.contentType(),
                  createIfMissing.ttlSeconds(),
                  createIfMissing.expiresAtMillis(),
                  createIfMissing.keyframePolicy(),
                  expiry.now(),
                  0,
                  false,
                  null,
                  createIfMissing.retention(),
                  0);
          created = units.createLocked(state, meta, messages, false);
        } else if (state.closed) {
          return CompletableFuture.failedFuture(
              new StreamClosedException("stream " + path + " is closed"));
        } else {
          return units.appendLocked(state, messages, false, null, null);
        }
      }
      units.finishCreate(state, created);
      synchronized (state) {
        long tail = state.tail;
        return state.lastWrite.thenApply(ignored -> tail);
      }
    } catch (WriteRejectedException.RejectedByConventions e) {
      return CompletableFuture.failedFuture(new AppendRejectedException(e.getMessage()));
    } catch (WriteRejectedException.NotFound e) {
      return CompletableFuture.failedFuture(new NoSuchStreamException(e.getMessage()));
    } catch (WriteRejectedException.Closed e) {
      return CompletableFuture.failedFuture(new StreamClosedException(e.getMessage()));
    } catch (WriteRejectedException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Tail listener part: see {@link WriteStates#onTail}. Never blocks. */
  public void onTail(String path, boolean deleted) {
    states.onTail(path, deleted);
  }
}
