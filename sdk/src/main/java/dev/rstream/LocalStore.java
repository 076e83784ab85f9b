package dev.rstream;

import static java.util.Objects.requireNonNull;

import dev.rstream.internal.store.MemoryLocalStore;
import dev.rstream.internal.window.Window;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a client keeps what it has read so that it never reads it again: the keyframe index,
 * committed windows, and the live window as far as it was read, batch by batch. A durable store
 * ({@link SqliteStore}) lets a restarted app answer from disk; {@link #inMemory()} lasts as long as
 * the object.
 *
 * <p>Implementations must be thread-safe: clients call them from their I/O threads, concurrently
 * for different windows. One store may serve several clients and streams; everything is keyed by
 * the stream URL. A client never closes the store it was given.
 *
 * <p>Crash safety: each call is atomic. The live window's offset is implied by what it holds (its
 * last change's offset, or its base offset), so it never points past data that is not there.
 * Clients write a batch's committed window and index before the live window that follows them, so a
 * crash between those calls leaves an older live window that reads the rest again. A store that
 * cannot write throws {@link LocalStoreException}; clients log it and go on from memory.
 */
public interface LocalStore {
  /**
   * A store held in memory, shared by the clients given it, lasting as long as the object. Each
   * committed window is stored with its keyframe's inserts: a copy of the state per window.
   */
  static LocalStore inMemory() {
    return new MemoryLocalStore();
  }

  /** The keyframe index saved for {@code streamUrl}, in stream order; empty if none. */
  List<Keyframe> keyframes(String streamUrl);

  /**
   * Where reading the companion index resumes: the offset after the last entry of {@link
   * #keyframes} that came from it; {@link Offset#START} if none.
   */
  Offset keyframesNext(String streamUrl);

  /**
   * Replaces the keyframe index saved for {@code streamUrl} and the companion offset it was read up
   * to, atomically.
   */
  void putKeyframes(String streamUrl, List<Keyframe> keyframes, Offset next);

  /** The committed window of {@code streamUrl} with id {@code windowId}, or null. */
  @Nullable StoredWindow window(String streamUrl, String windowId);

  /** Saves a committed window (it never changes, so a second put of the same id may be ignored). */
  void putWindow(String streamUrl, StoredWindow window);

  /**
   * The live window saved for {@code streamUrl} (its {@link StoredWindow#end()} is null), or null.
   */
  @Nullable StoredWindow liveWindow(String streamUrl);

  /** Replaces the saved live window of {@code streamUrl} (a new live window started). */
  void putLiveWindow(String streamUrl, StoredWindow window);

  /**
   * Appends {@code changes} (one batch, in order) to the saved live window of {@code streamUrl} in
   * one transaction, if that window is {@code windowId} and ends at {@code from}; the window then
   * ends at {@code to}. Returns false, writing nothing, if the saved live window is another one or
   * ends elsewhere (another client moved it, or it was evicted): the caller puts the whole window
   * instead. Clients call it once per batch they read at an append-unit boundary.
   */
  boolean appendLive(
      String streamUrl, String windowId, Offset from, List<Change> changes, Offset to);

  /** The idempotent producer identity saved for {@code streamUrl}, or null. */
  @Nullable StoredProducer producer(String streamUrl);

  /**
   * Saves the idempotent producer identity for {@code streamUrl}, so that a restarted app keeps its
   * producer id (and fences its older self by raising the epoch).
   */
  void putProducer(String streamUrl, StoredProducer producer);

  /**
   * Drops everything saved for {@code streamUrl} (the stream sent a reset). The outbox is kept: its
   * changes were written by this app, not read from the stream, and still have to be sent.
   */
  void clear(String streamUrl);

  /**
   * Whether this store keeps the outbox: the changes {@link RStreamClient#append} wrote and the
   * server has not acknowledged yet, across restarts. False by default; a store that answers true
   * implements every {@code outbox} method below, each one atomic. A client on a store that keeps
   * no outbox keeps its unacknowledged changes in memory only.
   */
  default boolean keepsOutbox() {
    return false;
  }

  /**
   * Adds one outbox entry for {@code streamUrl} holding {@code body} (the JSON array of the changes
   * of one append), in one transaction with the producer it is sent as: the stored outbox producer
   * of the stream (created as {@code newProducerId} at epoch 0 if there is none) and that
   * producer's next sequence number, which it advances. Returns the entry as stored.
   *
   * @throws UnsupportedOperationException if this store {@linkplain #keepsOutbox keeps no outbox}.
   * @throws LocalStoreException if it cannot write: nothing was added.
   */
  default OutboxEntry addToOutbox(String streamUrl, String newProducerId, String body) {
    throw new UnsupportedOperationException("this store keeps no outbox");
  }

  /**
   * Adds one outbox entry per element of {@code bodies}, in their order, as {@link
   * #addToOutbox(String, String, String)} does for one, and returns them as stored. A store should
   * add them all in one transaction (one commit for a group of appends); the default adds them one
   * at a time, each atomic, stopping at the first that fails.
   *
   * @throws UnsupportedOperationException if this store {@linkplain #keepsOutbox keeps no outbox}.
   * @throws LocalStoreException if it cannot write: with one transaction, nothing was added.
   */
  default List<OutboxEntry> addToOutbox(
      String streamUrl, String newProducerId, List<String> bodies) {
    List<OutboxEntry> added = new ArrayList<>(bodies.size());
    for (String body : bodies) added.add(addToOutbox(streamUrl, newProducerId, body));
    return added;
  }

  /** The outbox entries of {@code streamUrl}, by sequence number; empty if none. */
  default List<OutboxEntry> outbox(String streamUrl) {
    return Collections.emptyList();
  }

  /**
   * Records that the server acknowledged the entry of {@code streamUrl} with {@code seq} at {@code
   * epoch}: removes it and every entry before it from the outbox, in one transaction.
   *
   * @throws UnsupportedOperationException if this store {@linkplain #keepsOutbox keeps no outbox}.
   */
  default void acknowledgeOutbox(String streamUrl, long epoch, long seq) {
    throw new UnsupportedOperationException("this store keeps no outbox");
  }

  /**
   * Removes the entry of {@code streamUrl} with {@code seq} (one the server refused for good, if
   * any), then numbers the entries left at {@code epoch} from {@code firstSeq} in their order and
   * makes the producer's next number the one after them, in one transaction. Returns the entries as
   * now stored.
   *
   * @param seq the entry to remove, or -1 to remove none.
   * @throws UnsupportedOperationException if this store {@linkplain #keepsOutbox keeps no outbox}.
   */
  default List<OutboxEntry> renumberOutbox(String streamUrl, long seq, long epoch, long firstSeq) {
    throw new UnsupportedOperationException("this store keeps no outbox");
  }

  /** An idempotent producer's id and epoch, as stored. Immutable. */
  final class StoredProducer {
    private final String id;
    private final long epoch;

    private StoredProducer(String id, long epoch) {
      this.id = id;
      this.epoch = epoch;
    }

    /** Returns the identity of producer {@code id} at {@code epoch} (non-negative). */
    public static StoredProducer of(String id, long epoch) {
      requireNonNull(id, "id == null");
      if (id.isEmpty()) throw new IllegalArgumentException("id is empty");
      if (epoch < 0) throw new IllegalArgumentException("epoch < 0");
      return new StoredProducer(id, epoch);
    }

    /** The producer id ({@code Producer-Id}). */
    public String id() {
      return id;
    }

    /** The producer epoch ({@code Producer-Epoch}). */
    public long epoch() {
      return epoch;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof StoredProducer
          && ((StoredProducer) o).id.equals(id)
          && ((StoredProducer) o).epoch == epoch;
    }

    @Override
    public int hashCode() {
      return id.hashCode() * 31 + Long.hashCode(epoch);
    }

    @Override
    public String toString() {
      return "StoredProducer{" + id + ", epoch=" + epoch + "}";
    }
  }

  /**
   * One append waiting in the outbox: the producer identity and sequence number it is sent with,
   * and its body (the JSON array of its changes, sent as is). Immutable.
   */
  final class OutboxEntry {
    private final String producerId;
    private final long epoch;
    private final long seq;
    private final String body;

    private OutboxEntry(String producerId, long epoch, long seq, String body) {
      this.producerId = producerId;
      this.epoch = epoch;
      this.seq = seq;
      this.body = body;
    }

    /** Returns an entry; {@code epoch} and {@code seq} are non-negative. */
    public static OutboxEntry of(String producerId, long epoch, long seq, String body) {
      requireNonNull(producerId, "producerId == null");
      requireNonNull(body, "body == null");
      if (producerId.isEmpty()) throw new IllegalArgumentException("producerId is empty");
      if (epoch < 0) throw new IllegalArgumentException("epoch < 0");
      if (seq < 0) throw new IllegalArgumentException("seq < 0");
      return new OutboxEntry(producerId, epoch, seq, body);
    }

    /** The producer id ({@code Producer-Id}) it is sent as. */
    public String producerId() {
      return producerId;
    }

    /** The producer epoch ({@code Producer-Epoch}) it is sent with. */
    public long epoch() {
      return epoch;
    }

    /** Its sequence number ({@code Producer-Seq}). */
    public long seq() {
      return seq;
    }

    /** The request body: a JSON array of State Protocol changes. */
    public String body() {
      return body;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      if (!(o instanceof OutboxEntry)) return false;
      OutboxEntry e = (OutboxEntry) o;
      return e.producerId.equals(producerId)
          && e.epoch == epoch
          && e.seq == seq
          && e.body.equals(body);
    }

    @Override
    public int hashCode() {
      return ((producerId.hashCode() * 31 + Long.hashCode(epoch)) * 31 + Long.hashCode(seq)) * 31
          + body.hashCode();
    }

    @Override
    public String toString() {
      return "OutboxEntry{" + producerId + ", epoch=" + epoch + ", seq=" + seq + "}";
    }
  }

  /**
   * A window as stored (committed, or the live window without an end bound): its bounds, the
   * inserts of its start keyframe and its changes, in stream order, each with the {@link
   * Change#offset()} and {@link Change#timestamp()} it was read with. Immutable.
   */
  final class StoredWindow {
    private final @Nullable Keyframe start;
    private final @Nullable Keyframe end;
    private final Offset baseOffset;
    private final List<Change> keyframe;
    private final List<Change> changes;

    private StoredWindow(
        @Nullable Keyframe start,
        @Nullable Keyframe end,
        Offset baseOffset,
        List<Change> keyframe,
        List<Change> changes) {
      this.start = start;
      this.end = end;
      this.baseOffset = baseOffset;
      this.keyframe = keyframe;
      this.changes = changes;
    }

    /**
     * Returns a stored window.
     *
     * @param start its start keyframe, or null if it starts at the beginning of the stream.
     * @param end its end keyframe, or null for the live window.
     * @param baseOffset the offset right after the start keyframe.
     * @param keyframe the start keyframe's inserts.
     * @param changes the changes after the keyframe, up to the end keyframe.
     */
    public static StoredWindow of(
        @Nullable Keyframe start,
        @Nullable Keyframe end,
        Offset baseOffset,
        List<Change> keyframe,
        List<Change> changes) {
      requireNonNull(baseOffset, "baseOffset == null");
      return new StoredWindow(
          start,
          end,
          baseOffset,
          Collections.unmodifiableList(new ArrayList<>(keyframe)),
          Collections.unmodifiableList(new ArrayList<>(changes)));
    }

    /** See {@link WindowInfo#id()}. */
    public String id() {
      return Window.idOf(start);
    }

    /** The start keyframe, or null if the window starts at the beginning of the stream. */
    public @Nullable Keyframe start() {
      return start;
    }

    /** The end keyframe (the next window's start), or null for the live window. */
    public @Nullable Keyframe end() {
      return end;
    }

    /** The offset right after the start keyframe. */
    public Offset baseOffset() {
      return baseOffset;
    }

    /** The start keyframe's inserts. */
    public List<Change> keyframe() {
      return keyframe;
    }

    /** The changes after the keyframe, in order. */
    public List<Change> changes() {
      return changes;
    }
  }
}
