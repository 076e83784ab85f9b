package dev.rstream.internal.live;

import dev.rstream.Change;
import dev.rstream.Offset;
import dev.rstream.internal.window.Window;
import dev.rstream.internal.window.WindowPoint;
import io.reactivex.rxjava3.core.FlowableEmitter;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one session shows its subscribers: a state per complete append unit, never a duplicate,
 * never a gap. Called on the session's read thread only.
 */
final class UnitEmitter {
  private final FlowableEmitter<LiveUpdate> emitter;
  private @Nullable WindowPoint emitted;
  // The held state is emitted before catching up; once caught up it is emitted again flagged so
  // (callers wait for that flag), and RStreamClient.live() drops the repeat.
  private boolean emittedCaughtUp;
  // Whether subscribers hold a state this session continues from (the held or a reset one): then
  // every change is emitted, caught up or not, so that no subscriber's run has a gap. A session
  // that starts from a keyframe emits once caught up instead: its first state is the current one.
  private boolean continuous;
  // The state after the last message applied, not emitted yet because its append unit may go on:
  // a view mid-unit would claim the unit's end offset (all its messages carry it) without all its
  // changes, and show a state no reader of the server ever sees (an append is atomic).
  private @Nullable WindowPoint unitState;
  private @Nullable Offset unitOffset;
  private int unitFirst; // the index of the unit's first change in its window
  private int rebuilds; // the session's rebuilds after a 410 so far, carried by every update
  // After a rebuild that reads again what subscribers were shown: states before it are not shown.
  private @Nullable Offset floor;

  UnitEmitter(FlowableEmitter<LiveUpdate> emitter) {
    this.emitter = emitter;
  }

  /** Emits {@code point}, which every later state continues. */
  void restart(WindowPoint point, boolean caughtUp, boolean fromStore) {
    emitted = point;
    continuous = true;
    emitter.onNext(new LiveUpdate(point, caughtUp, fromStore, rebuilds));
  }

  /** Whether subscribers hold a state every change applied from now on continues. */
  boolean continuous() {
    return continuous;
  }

  /**
   * The session rebuilds after a 410: the next state may not follow what subscribers hold, and
   * every update from now on counts one more rebuild. If subscribers hold a state, every state of
   * the rebuilt read is emitted (they lose the fewest changes); else only once caught up.
   */
  void rebuilding() {
    rebuilds++;
    continuous = emitted != null;
    floor = null;
  }

  /** The last state emitted, if any. */
  @Nullable WindowPoint emitted() {
    return emitted;
  }

  /**
   * The read goes through {@code offset}, the state subscribers hold: states before it are not
   * emitted again.
   */
  void skipThrough(Offset offset) {
    floor = offset;
  }

  /**
   * The read fell behind the tail: the next state flagged caught up is emitted even if it is the
   * last one emitted, and every state until then, so that subscribers see no gap.
   */
  void fellBehind() {
    emittedCaughtUp = false;
    if (emitted != null) continuous = true;
  }

  /** Forgets the unit held, as a new assembler starts. */
  void dropUnit() {
    unitState = null;
    unitOffset = null;
  }

  /**
   * Whether a message at {@code offset} starts another unit than the one held. Without offsets (a
   * server without the rstream conventions) every message is its own step.
   */
  boolean endsUnit(@Nullable Offset offset) {
    return unitState != null && (offset == null || !offset.equals(unitOffset));
  }

  /** Holds {@code point}, the state after a change of the unit at {@code offset}. */
  void holdUnit(WindowPoint point, @Nullable Offset offset) {
    if (unitState == null) unitFirst = Math.max(0, point.applied() - 1);
    unitState = point;
    unitOffset = offset;
  }

  /**
   * Holds {@code point}, the start of a window at a keyframe that took {@code moved} out of the
   * window before it, to apply them after its state (an {@code asOf} before them, docs/PROTOCOL.md
   * 3.3): those of them that subscribers were shown already are not among the changes of the unit
   * held, so that no change is told twice.
   */
  void holdWindowStart(WindowPoint point, List<Change> moved, @Nullable Offset offset) {
    int alreadyShown = shownOf(moved);
    if (unitState == null || alreadyShown > 0) unitFirst = Math.min(alreadyShown, point.applied());
    unitState = point;
    unitOffset = offset;
  }

  /**
   * How many of {@code moved}, from its first, the last state emitted holds. They are the last
   * changes of the window before the keyframe, so if that state is of that window, the first of
   * them is among its last {@code moved.size()} changes: no more are looked at.
   */
  private int shownOf(List<Change> moved) {
    WindowPoint shown = emitted;
    if (shown == null || moved.isEmpty()) return 0;
    Window window = shown.window();
    int applied = shown.applied();
    for (int i = Math.max(0, applied - moved.size()); i < applied; i++) {
      if (window.change(i) == moved.get(0)) return applied - i;
    }
    return 0;
  }

  /** The unit held, if any, is complete: emits its state. */
  void emitUnit(boolean caughtUp) {
    WindowPoint point = unitState;
    unitState = null;
    unitOffset = null;
    if (point != null) emit(point.since(Math.min(unitFirst, point.applied())), caughtUp);
  }

  /**
   * Emits a state, flagged {@code caughtUp}, unless subscribers have it already: after a restart
   * from a keyframe (offset gone), the cursor re-applies changes it had emitted, and the state it
   * reaches may be the one last emitted.
   */
  void emit(WindowPoint point, boolean caughtUp) {
    Offset through = floor;
    if (through != null) {
      if (point.offset().compareTo(through) < 0) return;
      floor = null;
    }
    WindowPoint last = emitted;
    if (last != null && emittedCaughtUp && LiveUpdate.samePoint(last, point, true)) return;
    emitted = point;
    emittedCaughtUp = caughtUp;
    emitter.onNext(new LiveUpdate(point, caughtUp, false, rebuilds));
  }

  void complete() {
    emitter.onComplete();
  }

  void fail(Throwable error) {
    emitter.onError(error);
  }
}
