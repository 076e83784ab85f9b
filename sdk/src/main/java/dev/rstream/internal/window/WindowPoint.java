package dev.rstream.internal.window;

import dev.rstream.Change;
import dev.rstream.Offset;
import dev.rstream.internal.state.State;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** The state of a window after its first {@link #applied()} changes. Immutable. */
public final class WindowPoint {
  private final Window window;
  private final int applied;
  private final State state;

  WindowPoint(Window window, int applied, State state) {
    this.window = window;
    this.applied = applied;
    this.state = state;
  }

  public Window window() {
    return window;
  }

  /** How many of the window's changes (after its keyframe) the state includes. */
  public int applied() {
    return applied;
  }

  public State state() {
    return state;
  }

  /** The position of this state in the stream. */
  public Offset offset() {
    return window.offsetAfter(applied);
  }

  /** The time of the last message applied; null only for an empty stream start. */
  public @Nullable Instant timestamp() {
    return window.timeAfter(applied);
  }

  /** The change that produced this state; null for the keyframe's own state. */
  public @Nullable Change change() {
    return applied == 0 ? null : window.change(applied - 1);
  }

  @Override
  public String toString() {
    return "WindowPoint{window=" + window.id() + ", applied=" + applied + ", offset=" + offset() + "}";
  }
}
