package dev.rstream.internal.window;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.internal.state.State;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The window a {@link WindowAssembler} is reading: its changes in stream order with their effective
 * times and offsets, the state after them, and the state checkpoints {@link Window} replays from.
 * Each {@link #snapshot()} is an immutable {@link Window} sharing these arrays, which are only
 * appended to past every snapshot's {@link Window#changeCount()} (a full array is copied, never
 * written again). Single-threaded, as its assembler.
 */
final class OpenWindow {
  private @Nullable Keyframe start;
  private Offset baseOffset = Offset.START;
  private Change[] changes = new Change[0];
  private Instant[] times = new Instant[0];
  private Offset[] offsets = new Offset[0];
  private State[] checkpoints = new State[0];
  private int[] checkpointAt = new int[0];
  private int checkpointCount;
  private int count;
  private int untimed; // see Window: leading changes whose time is unknown
  // The effective time of the last change or keyframe in stream order: no later one is before it.
  private @Nullable Instant lastTime;
  // Applies changes in place; frozen into a State only when a Window or checkpoint needs one, so
  // a catch-up batch copies each path of the state once, not once per change.
  private State.Editor state = State.empty().edit();
  private @Nullable Window snapshot;

  /**
   * Starts a window at {@code keyframe} (null for none) with {@code baseState} at {@code base};
   * {@code lastTime} is the effective time its changes are never before (null: none known yet).
   */
  void open(@Nullable Keyframe keyframe, Offset base, State baseState, @Nullable Instant lastTime) {
    start = keyframe;
    baseOffset = base;
    changes = new Change[16];
    times = new Instant[16];
    offsets = new Offset[16];
    checkpoints = new State[4];
    checkpointAt = new int[4];
    checkpoints[0] = baseState;
    checkpointAt[0] = 0;
    checkpointCount = 1;
    count = 0;
    untimed = 0;
    this.lastTime = lastTime;
    state = baseState.edit();
    snapshot = null;
  }

  /**
   * Continues {@code window}, held from an earlier read, with copies of its arrays (its own belong
   * to the assembler that made them). No change is applied again: its state and checkpoints are
   * immutable and carry over.
   */
  void resume(Window window) {
    start = window.start();
    baseOffset = window.baseOffset();
    int n = window.changeCount();
    int capacity = Math.max(16, n * 2);
    changes = Arrays.copyOf(window.changesArray(), capacity);
    times = Arrays.copyOf(window.timesArray(), capacity);
    offsets = Arrays.copyOf(window.offsetsArray(), capacity);
    int held = window.checkpointCount();
    checkpoints = Arrays.copyOf(window.checkpointsArray(), held + 4);
    checkpointAt = Arrays.copyOf(window.checkpointAtArray(), held + 4);
    checkpointCount = held;
    Arrays.fill(checkpoints, held, held + 4, null);
    // The arrays may be longer than the window (shared with a later one): clear what is past it.
    Arrays.fill(changes, n, capacity, null);
    Arrays.fill(times, n, capacity, null);
    Arrays.fill(offsets, n, capacity, null);
    count = n;
    untimed = window.untimed();
    state = window.state().edit();
    lastTime = window.timeAfter(n);
    snapshot = null;
  }

  /** The start keyframe; null before any keyframe, or for a window from the stream's start. */
  @Nullable Keyframe start() {
    return start;
  }

  /** Whether there is anything to end: a start keyframe or a change. */
  boolean hasContent() {
    return start != null || count > 0;
  }

  /** The effective time of the last change or keyframe; null while none carried a time. */
  @Nullable Instant lastTime() {
    return lastTime;
  }

  /** Appends {@code change}, read at {@code offset}, with its effective time. */
  void append(Change change, Offset offset) {
    if (count == changes.length) {
      // New arrays: Windows already handed out keep the old ones, which are never written again.
      int capacity = changes.length * 2;
      changes = Arrays.copyOf(changes, capacity);
      times = Arrays.copyOf(times, capacity);
      offsets = Arrays.copyOf(offsets, capacity);
    }
    Instant time = change.timestamp();
    if (time == null && lastTime == null) {
      // No time before it in the window, nor its own: unknown (not the epoch, which would pass
      // for data). Instant.MIN keeps the times sorted for Window.stateAt.
      untimed = count + 1;
      time = Instant.MIN;
    } else {
      // Effective timestamps (docs/PROTOCOL.md section 3.1): never decreasing in stream order; a
      // change without one takes the one before it. Keeps the binary search in stateAt sound.
      if (time == null || lastTime != null && time.isBefore(lastTime)) time = lastTime;
      lastTime = time;
    }
    changes[count] = change;
    times[count] = time;
    offsets[count] = offset;
    state.apply(change);
    count++;
    if (count - checkpointAt[checkpointCount - 1]
        >= Math.max(Window.MIN_CHECKPOINT_SPACING, state.size())) {
      if (checkpointCount == checkpoints.length) {
        // New arrays, as above: Windows handed out keep the old ones.
        checkpoints = Arrays.copyOf(checkpoints, checkpointCount * 2);
        checkpointAt = Arrays.copyOf(checkpointAt, checkpointCount * 2);
      }
      checkpoints[checkpointCount] = state.freeze();
      checkpointAt[checkpointCount] = count;
      checkpointCount++;
    }
    snapshot = null;
  }

  /**
   * Ends the window at {@code asOf} (docs/PROTOCOL.md 3.3): its changes after {@code asOf} are
   * taken out, in order, into {@code into}. The arrays stay shared with Windows handed out: the
   * caller appends nothing more to this window, as the keyframe's end opens a new one.
   *
   * <p>A change recorded at the end of its unit ({@code unitEnds}) is after {@code asOf} when that
   * end is; one recorded at the read position before it, when that position is at or after {@code
   * asOf} (so every change read from {@code -1} is after a keyframe as of {@code -1}).
   */
  void moveChangesAfter(Offset asOf, boolean unitEnds, List<Change> into) {
    int n = count;
    while (n > 0 && offsets[n - 1].compareTo(asOf) >= (unitEnds ? 1 : 0)) n--;
    if (n == count) return;
    Window open = Objects.requireNonNull(snapshot());
    for (int i = n; i < count; i++) into.add(changes[i]);
    state = open.pointAfter(n).state().edit();
    lastTime = open.timeAfter(n);
    while (checkpointCount > 1 && checkpointAt[checkpointCount - 1] > n) checkpointCount--;
    count = n;
    untimed = Math.min(untimed, n);
    snapshot = null;
  }

  /** The window with everything appended so far; null before the first {@link #open}. */
  @Nullable Window snapshot() {
    if (checkpointCount == 0) return null;
    Window window = snapshot;
    if (window == null) {
      window =
          new Window(
              start,
              null,
              baseOffset,
              changes,
              times,
              offsets,
              checkpoints,
              checkpointAt,
              checkpointCount,
              count,
              untimed,
              state.freeze());
      snapshot = window;
    }
    return window;
  }
}
