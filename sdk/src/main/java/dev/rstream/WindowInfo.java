package dev.rstream;

import static java.util.Objects.requireNonNull;

import dev.rstream.internal.window.Window;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One window of a state stream as a client sees it: its bounds (the keyframe that starts it and the
 * one that ends it) and its {@link WindowState}. Immutable and thread-safe.
 *
 * <p>A window covers the time range {@code [start.timestamp, end.timestamp)}; the live window has
 * no end bound.
 *
 * <p>A committed window may be {@linkplain #held() held} in memory or not: a client keeps committed
 * windows within its {@linkplain RStreamClient.Builder#memoryBudget memory budget} and drops the
 * least recently used beyond it; a dropped window stays committed (its bounds are known, and a
 * {@link LocalStore} brings it back with no request).
 */
public final class WindowInfo {
  private final @Nullable Keyframe start;
  private final @Nullable Keyframe end;
  private final WindowState state;
  private final boolean held;

  private WindowInfo(
      @Nullable Keyframe start, @Nullable Keyframe end, WindowState state, boolean held) {
    this.start = start;
    this.end = end;
    this.state = state;
    this.held = held;
  }

  /**
   * Returns a window with these bounds and state.
   *
   * @param start the keyframe that starts it, or null for a stream with no keyframe at its start.
   * @param end the keyframe that ends it, or null for the live window.
   */
  public static WindowInfo of(@Nullable Keyframe start, @Nullable Keyframe end, WindowState state) {
    requireNonNull(state, "state == null");
    return of(start, end, state, state == WindowState.COMMITTED || state == WindowState.LIVE);
  }

  /**
   * Returns a window with these bounds and state, held in memory or not.
   *
   * @param start the keyframe that starts it, or null for a stream with no keyframe at its start.
   * @param end the keyframe that ends it, or null for the live window.
   * @param held whether its content is in memory.
   * @throws IllegalArgumentException if {@code held} for a state that holds no content ({@link
   *     WindowState#PENDING}, {@link WindowState#PULLING}, {@link WindowState#FAILED}), or not
   *     {@code held} for the {@link WindowState#LIVE} window, which is always held.
   */
  public static WindowInfo of(
      @Nullable Keyframe start, @Nullable Keyframe end, WindowState state, boolean held) {
    requireNonNull(state, "state == null");
    if (start != null && end != null && start.compareTo(end) >= 0) {
      throw new IllegalArgumentException("end " + end + " is not after start " + start);
    }
    boolean canHold = state == WindowState.COMMITTED || state == WindowState.LIVE;
    if (held && !canHold) throw new IllegalArgumentException(state + " window cannot be held");
    if (!held && state == WindowState.LIVE) {
      throw new IllegalArgumentException("the live window is always held");
    }
    return new WindowInfo(start, end, state, held);
  }

  /**
   * A stable name for the window: the value of its start offset ({@code -1} when it has no start
   * keyframe). The same window has the same id in every client and across restarts.
   */
  public String id() {
    return Window.idOf(start);
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

  /**
   * Whether the client holds the window's content in memory: always for the {@link
   * WindowState#LIVE} window, for a {@link WindowState#COMMITTED} one until the memory budget drops
   * it, never for a window still being read or failed.
   */
  public boolean held() {
    return held;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof WindowInfo)) return false;
    WindowInfo that = (WindowInfo) o;
    return Objects.equals(start, that.start)
        && Objects.equals(end, that.end)
        && state == that.state
        && held == that.held;
  }

  @Override
  public int hashCode() {
    return Objects.hash(start, end, state, held);
  }

  @Override
  public String toString() {
    return "WindowInfo{"
        + id()
        + " "
        + state
        + (held || state != WindowState.COMMITTED ? "" : " (dropped)")
        + ", start="
        + start
        + ", end="
        + end
        + "}";
  }
}
