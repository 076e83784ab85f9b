package dev.rstream;

import static java.util.Objects.requireNonNull;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One window of a state stream as a client sees it: its bounds (the keyframe that starts it and the
 * one that ends it) and its {@link WindowState}. Immutable and thread-safe.
 *
 * <p>A window covers the time range {@code [start.timestamp, end.timestamp)}; the live window has
 * no end bound.
 */
public final class WindowInfo {
  private final @Nullable Keyframe start;
  private final @Nullable Keyframe end;
  private final WindowState state;

  private WindowInfo(@Nullable Keyframe start, @Nullable Keyframe end, WindowState state) {
    this.start = start;
    this.end = end;
    this.state = state;
  }

  /**
   * Returns a window with these bounds and state.
   *
   * @param start the keyframe that starts it, or null for a stream with no keyframe at its start.
   * @param end the keyframe that ends it, or null for the live window.
   */
  public static WindowInfo of(@Nullable Keyframe start, @Nullable Keyframe end, WindowState state) {
    requireNonNull(state, "state == null");
    if (start != null && end != null && start.compareTo(end) >= 0) {
      throw new IllegalArgumentException("end " + end + " is not after start " + start);
    }
    return new WindowInfo(start, end, state);
  }

  /**
   * A stable name for the window: the value of its start offset ({@code -1} when it has no start
   * keyframe). The same window has the same id in every client and across restarts.
   */
  public String id() {
    return start == null ? Offset.START.value() : start.offset().value();
  }

  /** The keyframe that starts the window, or null for a stream with no keyframe at its start. */
  public @Nullable Keyframe start() {
    return start;
  }

  /** The keyframe that ends the window (the next window's start), or null for the live window. */
  public @Nullable Keyframe end() {
    return end;
  }

  /** Where the window is in its life in this client. */
  public WindowState state() {
    return state;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof WindowInfo)) return false;
    WindowInfo that = (WindowInfo) o;
    return Objects.equals(start, that.start)
        && Objects.equals(end, that.end)
        && state == that.state;
  }

  @Override
  public int hashCode() {
    return Objects.hash(start, end, state);
  }

  @Override
  public String toString() {
    return "WindowInfo{" + id() + " " + state + ", start=" + start + ", end=" + end + "}";
  }
}
