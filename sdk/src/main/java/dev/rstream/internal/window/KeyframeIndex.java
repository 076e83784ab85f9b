package dev.rstream.internal.window;

import dev.rstream.Keyframe;
import dev.rstream.Offset;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The keyframes of a state stream in stream order, searchable by time. Immutable: adding returns a
 * new index (the index is small, one entry per keyframe, and grows only at its end).
 */
public final class KeyframeIndex {
  private static final KeyframeIndex EMPTY = new KeyframeIndex(new Keyframe[0]);

  private final Keyframe[] keyframes;

  private KeyframeIndex(Keyframe[] keyframes) {
    this.keyframes = keyframes;
  }

  public static KeyframeIndex empty() {
    return EMPTY;
  }

  /** An index of {@code keyframes}, in any order; duplicates (same offset) are dropped. */
  public static KeyframeIndex of(List<Keyframe> keyframes) {
    KeyframeIndex index = EMPTY;
    for (Keyframe keyframe : keyframes) index = index.plus(keyframe);
    return index;
  }

  public int size() {
    return keyframes.length;
  }

  public boolean isEmpty() {
    return keyframes.length == 0;
  }

  public Keyframe get(int i) {
    return keyframes[i];
  }

  public @Nullable Keyframe last() {
    return keyframes.length == 0 ? null : keyframes[keyframes.length - 1];
  }

  public List<Keyframe> asList() {
    return Collections.unmodifiableList(Arrays.asList(keyframes));
  }

  /**
   * This index with {@code keyframe}; {@code this} if it already has a keyframe at that offset (the
   * companion stream is a hint that may repeat what a scan of the stream found).
   *
   * @throws IllegalArgumentException if its timestamp is out of order with its neighbours:
   *     timestamps never decrease in stream order, and binary search relies on it.
   */
  public KeyframeIndex plus(Keyframe keyframe) {
    int i = position(keyframe.offset());
    if (i >= 0) return this;
    int at = -i - 1;
    if (at > 0 && keyframes[at - 1].timestamp().isAfter(keyframe.timestamp())
        || at < keyframes.length && keyframes[at].timestamp().isBefore(keyframe.timestamp())) {
      throw new IllegalArgumentException(
          keyframe + " breaks the order of timestamps of the keyframe index");
    }
    Keyframe[] copy = new Keyframe[keyframes.length + 1];
    System.arraycopy(keyframes, 0, copy, 0, at);
    copy[at] = keyframe;
    System.arraycopy(keyframes, at, copy, at + 1, keyframes.length - at);
    return new KeyframeIndex(copy);
  }

  /** Binary search by offset: the index, or {@code -(insertion point) - 1}. */
  public int position(Offset offset) {
    int low = 0;
    int high = keyframes.length - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int c = keyframes[mid].offset().compareTo(offset);
      if (c < 0) low = mid + 1;
      else if (c > 0) high = mid - 1;
      else return mid;
    }
    return -(low + 1);
  }

  /**
   * The position of the keyframe whose window covers {@code time}: the last keyframe with a
   * timestamp {@code <= time} (with equal timestamps, the last of them). -1 if {@code time} is
   * before the first keyframe, or the index is empty.
   */
  public int covering(Instant time) {
    int low = 0;
    int high = keyframes.length; // first keyframe with timestamp > time lies in [low, high]
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (keyframes[mid].timestamp().isAfter(time)) high = mid;
      else low = mid + 1;
    }
    return low - 1;
  }

  /** The keyframe after the one at {@code position}, or null if it is the last. */
  public @Nullable Keyframe next(int position) {
    return position + 1 < keyframes.length ? keyframes[position + 1] : null;
  }

  /** The keyframes after {@code offset}, in order. */
  public List<Keyframe> after(Offset offset) {
    int i = position(offset);
    int from = i >= 0 ? i + 1 : -i - 1;
    return new ArrayList<>(Arrays.asList(keyframes).subList(from, keyframes.length));
  }

  @Override
  public String toString() {
    return "KeyframeIndex" + Arrays.toString(keyframes);
  }
}
