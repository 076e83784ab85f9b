package dev.rstream.internal.window;

import dev.rstream.Change;
import dev.rstream.Offset;
import dev.rstream.internal.state.State;
import java.time.Instant;
import java.util.AbstractList;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The state of a window after its first {@link #applied()} changes. Immutable. */
public final class WindowPoint {
  private final Window window;
  private final int applied;
  private final State state;
  // The first of the changes that produced this state from the previous one emitted: those of one
  // append unit, which no reader sees apart.
  private final int first;

  WindowPoint(Window window, int applied, State state) {
    this(window, applied, state, Math.max(0, applied - 1));
  }

  private WindowPoint(Window window, int applied, State state, int first) {
    this.window = window;
    this.applied = applied;
    this.state = state;
    this.first = first;
  }

  /** This state, produced by the changes from the {@code first}th on (an append unit's). */
  public WindowPoint since(int first) {
    if (first < 0 || first > applied) {
      throw new IllegalArgumentException("first " + first + " not in [0, " + applied + "]");
    }
    return first == this.first ? this : new WindowPoint(window, applied, state, first);
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

  /**
   * The changes that produced this state, in order (see {@link #since}); empty for a keyframe's.
   */
  public List<Change> changes() {
    if (applied == 0) return Collections.emptyList();
    int from = first;
    int size = applied - from;
    return new AbstractList<Change>() {
      @Override
      public Change get(int index) {
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException("index " + index);
        return window.change(from + index);
      }

      @Override
      public int size() {
        return size;
      }
    };
  }

  @Override
  public String toString() {
    return "WindowPoint{window="
        + window.id()
        + ", applied="
        + applied
        + ", offset="
        + offset()
        + "}";
  }
}
