package dev.rstream.internal.window;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.internal.state.State;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The content of one window as far as it has been read: the state its keyframe holds, then its
 * changes in order. Immutable; a {@link WindowAssembler} makes a new instance per change in O(1)
 * (amortised) by sharing the arrays, to which it only ever appends past every earlier instance's
 * {@link #changeCount()}.
 *
 * <p>The state after every {@value #CHECKPOINT_EVERY} changes is kept, so {@link #stateAt} costs
 * at most that many applications, not a replay of the whole window.
 */
public final class Window {
  static final int CHECKPOINT_EVERY = 32;

  private final @Nullable Keyframe start;
  private final @Nullable Keyframe end;
  private final Offset baseOffset;
  private final Change[] changes;
  private final Instant[] times;
  private final Offset[] offsets;
  private final State[] checkpoints;
  private final int count;
  private final State state;

  Window(
      @Nullable Keyframe start,
      @Nullable Keyframe end,
      Offset baseOffset,
      Change[] changes,
      Instant[] times,
      Offset[] offsets,
      State[] checkpoints,
      int count,
      State state) {
    this.start = start;
    this.end = end;
    this.baseOffset = baseOffset;
    this.changes = changes;
    this.times = times;
    this.offsets = offsets;
    this.checkpoints = checkpoints;
    this.count = count;
    this.state = state;
  }

  /** The window's start bound; null for a stream read from its start that has no keyframe there. */
  public @Nullable Keyframe start() {
    return start;
  }

  /** The end bound (the next keyframe); null while this is the live window. */
  public @Nullable Keyframe end() {
    return end;
  }

  /** The id of the window: the value of its start offset ({@code -1} with no start keyframe). */
  public String id() {
    return idOf(start);
  }

  static String idOf(@Nullable Keyframe start) {
    return start == null ? Offset.START.value() : start.offset().value();
  }

  /** The offset after the keyframe: the position of {@link #baseState()}. */
  public Offset baseOffset() {
    return baseOffset;
  }

  /** The state the keyframe holds (empty with no keyframe). */
  public State baseState() {
    return checkpoints[0];
  }

  /** The number of changes after the keyframe read so far. */
  public int changeCount() {
    return count;
  }

  public Change change(int i) {
    if (i >= count) throw new IndexOutOfBoundsException(i + " >= " + count);
    return changes[i];
  }

  /** The state after all changes read so far. */
  public State state() {
    return state;
  }

  /** The position after all changes read so far. */
  public Offset offset() {
    return count == 0 ? baseOffset : offsets[count - 1];
  }

  /** This window with {@code end} as its end bound: it is complete and never changes again. */
  Window withEnd(Keyframe end) {
    return new Window(start, end, baseOffset, changes, times, offsets, checkpoints, count, state);
  }

  /**
   * The state at {@code time}: the keyframe, then the changes with a timestamp {@code <= time}, in
   * order. The caller picks the window that covers {@code time}.
   */
  public WindowPoint stateAt(Instant time) {
    int low = 0;
    int high = count; // number of changes with time <= t lies in [low, high]
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (times[mid].isAfter(time)) high = mid;
      else low = mid + 1;
    }
    return pointAfter(low);
  }

  /** The state after the first {@code applied} changes. */
  public WindowPoint pointAfter(int applied) {
    if (applied < 0 || applied > count) throw new IndexOutOfBoundsException(applied + " of " + count);
    State result;
    if (applied == count) {
      result = state;
    } else {
      int checkpoint = applied / CHECKPOINT_EVERY;
      result = checkpoints[checkpoint];
      for (int i = checkpoint * CHECKPOINT_EVERY; i < applied; i++) result = result.apply(changes[i]);
    }
    return new WindowPoint(this, applied, result);
  }

  /** The point after every change read so far. */
  public WindowPoint latest() {
    return new WindowPoint(this, count, state);
  }

  /** The timestamp of the state after {@code applied} changes (the keyframe's time at 0). */
  @Nullable Instant timeAfter(int applied) {
    if (applied > 0) return times[applied - 1];
    return start == null ? null : start.timestamp();
  }

  Offset offsetAfter(int applied) {
    return applied == 0 ? baseOffset : offsets[applied - 1];
  }

  @Override
  public String toString() {
    return "Window{start=" + start + ", end=" + end + ", changes=" + count + ", size=" + state.size() + "}";
  }
}
