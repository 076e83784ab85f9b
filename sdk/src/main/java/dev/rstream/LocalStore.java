package dev.rstream;

import static java.util.Objects.requireNonNull;

import dev.rstream.internal.store.MemoryLocalStore;
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

  /** Drops everything saved for {@code streamUrl} (the stream sent a reset). */
  void clear(String streamUrl);

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
      return start == null ? Offset.START.value() : start.offset().value();
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
