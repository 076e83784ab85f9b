package dev.rstream.internal.state;

import static java.util.Objects.requireNonNull;

import dev.rstream.Offset;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A State Protocol control message: a snapshot boundary or a reset. Immutable and thread-safe.
 *
 * <p>Between a {@link Kind#SNAPSHOT_START} and the next {@link Kind#SNAPSHOT_END} a state stream
 * holds a keyframe: only inserts that together are the whole state at {@link #timestamp()}.
 */
public final class Control {
  /** What the control message signals. */
  public enum Kind {
    /** A keyframe begins: clear the state, then apply the inserts that follow. */
    SNAPSHOT_START("snapshot-start"),
    /** The keyframe that began at the last {@link #SNAPSHOT_START} is complete. */
    SNAPSHOT_END("snapshot-end"),
    /** Drop the state and everything stored for the stream; rebuild from {@link #offset()}. */
    RESET("reset");

    private final String wireName;

    Kind(String wireName) {
      this.wireName = wireName;
    }

    /** The value of {@code headers.control} on the wire. */
    public String wireName() {
      return wireName;
    }

    /** The kind for a wire name, or null if it is not one of the three. */
    public static @Nullable Kind fromWireName(String name) {
      for (Kind kind : values()) {
        if (kind.wireName.equals(name)) return kind;
      }
      return null;
    }
  }

  private final Kind kind;
  private final @Nullable Offset offset;
  private final @Nullable Instant timestamp;
  private final @Nullable Offset asOf;

  private Control(
      Kind kind, @Nullable Offset offset, @Nullable Instant timestamp, @Nullable Offset asOf) {
    this.kind = kind;
    this.offset = offset;
    this.timestamp = timestamp;
    this.asOf = asOf;
  }

  /** Returns a control of {@code kind} with the given optional headers. */
  public static Control of(Kind kind, @Nullable Offset offset, @Nullable Instant timestamp) {
    requireNonNull(kind, "kind == null");
    return new Control(kind, offset, timestamp, null);
  }

  /**
   * Returns a {@link Kind#SNAPSHOT_START} whose keyframe is the state as of {@code asOf}
   * (docs/PROTOCOL.md 3.2): the changes between {@code asOf} and the keyframe come after it.
   */
  public static Control snapshotStartAsOf(
      @Nullable Offset offset, @Nullable Instant timestamp, Offset asOf) {
    requireNonNull(asOf, "asOf == null");
    return new Control(Kind.SNAPSHOT_START, offset, timestamp, asOf);
  }

  /** What this control signals. */
  public Kind kind() {
    return kind;
  }

  /**
   * {@code headers.offset}: as served, the offset that follows the append unit this message was
   * written in; for {@link Kind#RESET} the offset to rebuild from. Null if the server sent none.
   */
  public @Nullable Offset offset() {
    return offset;
  }

  /** {@code headers.timestamp}; for a snapshot start, the time of the state the keyframe holds. */
  public @Nullable Instant timestamp() {
    return timestamp;
  }

  /**
   * {@code headers.asOf} of a snapshot start written by a keyframer: the offset its state is as of;
   * null when the keyframe is the state at its own position.
   */
  public @Nullable Offset asOf() {
    return asOf;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof Control)) return false;
    Control that = (Control) o;
    return kind == that.kind
        && Objects.equals(offset, that.offset)
        && Objects.equals(timestamp, that.timestamp)
        && Objects.equals(asOf, that.asOf);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, offset, timestamp, asOf);
  }

  @Override
  public String toString() {
    return "Control{"
        + kind.wireName
        + ", offset="
        + offset
        + ", timestamp="
        + timestamp
        + (asOf == null ? "" : ", asOf=" + asOf)
        + "}";
  }
}
