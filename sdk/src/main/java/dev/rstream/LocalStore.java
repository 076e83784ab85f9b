package dev.rstream;

import static java.util.Objects.requireNonNull;

import dev.rstream.internal.window.MemoryLocalStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a client keeps what it has read so that it never reads it again: the keyframe index,
 * committed windows, and the live window as far as it was read when the live connection closed. A durable store lets a restarted app answer
 * from disk; {@link #inMemory()} lasts as long as the object.
 *
 * <p>Implementations must be thread-safe: clients call them from their I/O threads, concurrently
 * for different windows. One store may serve several clients and streams; everything is keyed by
 * the stream URL. A client never closes the store it was given.
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

  /** Replaces the keyframe index saved for {@code streamUrl}. */
  void putKeyframes(String streamUrl, List<Keyframe> keyframes);

  /** The committed window of {@code streamUrl} with id {@code windowId}, or null. */
  @Nullable StoredWindow window(String streamUrl, String windowId);

  /** Saves a committed window (it never changes, so a second put of the same id may be ignored). */
  void putWindow(String streamUrl, StoredWindow window);

  /** The live window saved for {@code streamUrl} (its {@link StoredWindow#end()} is null), or null. */
  @Nullable StoredWindow liveWindow(String streamUrl);

  /**
   * Replaces the saved live window of {@code streamUrl}. Called when a live connection closes
   * (not per change), so a crash loses at most what was read since it opened.
   */
  void putLiveWindow(String streamUrl, StoredWindow window);

  /** Drops everything saved for {@code streamUrl} (the stream sent a reset). */
  void clear(String streamUrl);

  /**
   * A window as stored (committed, or the live window without an end bound): its bounds, the inserts of its start keyframe and its changes,
   * in stream order, each with the {@link Change#offset()} and {@link Change#timestamp()} it was
   * read with. Immutable.
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
