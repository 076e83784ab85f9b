package dev.rstream;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Where a keyframe (a complete snapshot of the state) starts in a state stream, and the time of the
 * state it captures: one entry of the keyframe index ({@code {stream}.keyframes}).
 *
 * <p>{@link #offset()} is the offset just before the keyframe's {@code snapshot-start}: reading
 * from it returns the keyframe first. Immutable and thread-safe.
 */
public final class Keyframe implements Comparable<Keyframe> {
  private final Offset offset;
  private final Instant timestamp;

  private Keyframe(Offset offset, Instant timestamp) {
    this.offset = offset;
    this.timestamp = timestamp;
  }

  /**
   * Returns the keyframe starting at {@code offset} that captures the state at {@code timestamp};
   * {@link Instant#MIN} for a keyframe without a timestamp (see {@link #hasTimestamp()}).
   */
  public static Keyframe of(Offset offset, Instant timestamp) {
    requireNonNull(offset, "offset == null");
    requireNonNull(timestamp, "timestamp == null");
    if (offset.isNow()) throw new IllegalArgumentException("a keyframe cannot start at 'now'");
    return new Keyframe(offset, timestamp);
  }

  /** The offset to read from to get this keyframe first. */
  public Offset offset() {
    return offset;
  }

  /**
   * The time of the state the keyframe captures (the effective timestamp of its last included
   * change), or {@link Instant#MIN} if it has none: a stream's initial, empty keyframe stands for
   * all time before the first change.
   */
  public Instant timestamp() {
    return timestamp;
  }

  /** False for a keyframe written before any change, which carries no timestamp. */
  public boolean hasTimestamp() {
    return !timestamp.equals(Instant.MIN);
  }

  /** Orders keyframes in stream order (by offset). */
  @Override
  public int compareTo(Keyframe other) {
    return offset.compareTo(other.offset);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof Keyframe)) return false;
    Keyframe that = (Keyframe) o;
    return offset.equals(that.offset) && timestamp.equals(that.timestamp);
  }

  @Override
  public int hashCode() {
    return offset.hashCode() * 31 + timestamp.hashCode();
  }

  @Override
  public String toString() {
    return "Keyframe{offset=" + offset + ", timestamp=" + timestamp + "}";
  }
}
