package dev.rstream.internal.window;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.internal.state.State;
import dev.rstream.internal.store.LiveWindowContent;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The content of one window as far as it has been read: the state its keyframe holds, then its
 * changes in order. Immutable; an {@link OpenWindow} makes a new instance per change in O(1)
 * (amortised) by sharing the arrays, to which it only ever appends past every earlier instance's
 * {@link #changeCount()}.
 *
 * <p>Some intermediate states are kept as checkpoints, spaced by the state's size: one after at
 * least {@code max(}{@value #MIN_CHECKPOINT_SPACING}{@code , size)} changes since the last. So
 * {@link #stateAt} replays at most about as many changes as the state has entities (what loading a
 * keyframe of it costs), while checkpoints hold little memory: a checkpoint keeps the nodes that
 * later changes replaced, and spaced by the size those are at most the nodes of one state (a fixed
 * spacing would keep a path copy per change of a large state).
 */
public final class Window implements LiveWindowContent {
  static final int MIN_CHECKPOINT_SPACING = 32;

  private final @Nullable Keyframe start;
  private final @Nullable Keyframe end;
  private final Offset baseOffset;
  private final Change[] changes;
  private final Instant[] times;
  private final Offset[] offsets;
  private final State[] checkpoints;
  private final int[] checkpointAt;
  private final int checkpointCount;
  private final int count;
  // How many of the first changes have no known time: the window has no timed start bound and
  // none of them, nor any before them, carries a timestamp. Their times are placeholders.
  private final int untimed;
  private final State state;

  Window(
      @Nullable Keyframe start,
      @Nullable Keyframe end,
      Offset baseOffset,
      Change[] changes,
      Instant[] times,
      Offset[] offsets,
      State[] checkpoints,
      int[] checkpointAt,
      int checkpointCount,
      int count,
      int untimed,
      State state) {
    this.start = start;
    this.end = end;
    this.baseOffset = baseOffset;
    this.changes = changes;
    this.times = times;
    this.offsets = offsets;
    this.checkpoints = checkpoints;
    this.checkpointAt = checkpointAt;
    this.checkpointCount = checkpointCount;
    this.count = count;
    this.untimed = untimed;
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

  /**
   * The id of the window that {@code start} starts ({@link dev.rstream.WindowInfo#id()}): the value
   * of its offset, or of {@link Offset#START} for a window with no start keyframe.
   */
  public static String idOf(@Nullable Keyframe start) {
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

  /**
   * The effective timestamp of the {@code i}th change (docs/PROTOCOL.md 3.1): its own, or the
   * latest before it if that is later; null while unknown (see {@link #knowsStateAt}).
   */
  public @Nullable Instant timeOf(int i) {
    if (i >= count) throw new IndexOutOfBoundsException(i + " >= " + count);
    return timeAfter(i + 1);
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
    return new Window(
        start,
        end,
        baseOffset,
        changes,
        times,
        offsets,
        checkpoints,
        checkpointAt,
        checkpointCount,
        count,
        untimed,
        state);
  }

  /**
   * Whether the state at {@code time} is known: false if it depends on changes whose time is
   * unknown, the first changes of a window with no timed start bound that carry no timestamp
   * (docs/PROTOCOL.md section 3.1): they may be before or after {@code time}. Known from the first
   * change that carries one ({@link #firstKnownTime()}) on: those before it happened before.
   */
  public boolean knowsStateAt(Instant time) {
    if (untimed == 0) return true;
    return untimed < count && !times[untimed].isAfter(time);
  }

  /**
   * The earliest time whose state is known when {@link #knowsStateAt} is not always true: the
   * timestamp of the first change that carries one; null if none does (or all times are known).
   */
  public @Nullable Instant firstKnownTime() {
    return untimed > 0 && untimed < count ? times[untimed] : null;
  }

  /**
   * The state at {@code time}: the keyframe, then the changes with a timestamp {@code <= time}, in
   * order. The caller picks the window that covers {@code time}, and checks {@link #knowsStateAt}:
   * changes with no known time count as earlier than any time here.
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
    if (applied < 0 || applied > count)
      throw new IndexOutOfBoundsException(applied + " of " + count);
    State result;
    if (applied == count) {
      result = state;
    } else {
      // The last checkpoint at or before `applied`; checkpointAt[0] is 0 (the keyframe's state).
      int low = 0;
      int high = checkpointCount - 1;
      while (low < high) {
        int mid = (low + high + 1) >>> 1;
        if (checkpointAt[mid] <= applied) low = mid;
        else high = mid - 1;
      }
      result = checkpoints[low];
      int from = checkpointAt[low];
      if (from < applied) {
        State.Editor editor = result.edit();
        for (int i = from; i < applied; i++) editor.apply(changes[i]);
        result = editor.freeze();
      }
    }
    return new WindowPoint(this, applied, result);
  }

  /** The point after every change read so far. */
  public WindowPoint latest() {
    return new WindowPoint(this, count, state);
  }

  // For WindowAssembler.resuming, which copies them rather than replaying the changes.
  Change[] changesArray() {
    return changes;
  }

  Instant[] timesArray() {
    return times;
  }

  Offset[] offsetsArray() {
    return offsets;
  }

  State[] checkpointsArray() {
    return checkpoints;
  }

  int[] checkpointAtArray() {
    return checkpointAt;
  }

  int checkpointCount() {
    return checkpointCount;
  }

  int untimed() {
    return untimed;
  }

  /**
   * The timestamp of the state after {@code applied} changes (the keyframe's time at 0); null while
   * it is unknown (no keyframe time, and no change so far carries a timestamp).
   */
  @Nullable Instant timeAfter(int applied) {
    if (applied > 0) return applied <= untimed ? null : times[applied - 1];
    return start == null || !start.hasTimestamp() ? null : start.timestamp();
  }

  Offset offsetAfter(int applied) {
    return applied == 0 ? baseOffset : offsets[applied - 1];
  }

  @Override
  public String toString() {
    return "Window{start="
        + start
        + ", end="
        + end
        + ", changes="
        + count
        + ", size="
        + state.size()
        + "}";
  }
}
