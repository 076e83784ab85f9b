package dev.rstream.internal.live;

import dev.rstream.internal.window.WindowPoint;

/**
 * One state the live cursor reached, whether it had caught up with the tail then, and how many
 * times its session had rebuilt after a 410 before reaching it.
 */
public final class LiveUpdate {
  private final WindowPoint point;
  private final boolean caughtUp;
  private final boolean fromStore;
  private final int rebuilds;

  LiveUpdate(WindowPoint point, boolean caughtUp, boolean fromStore, int rebuilds) {
    this.point = point;
    this.caughtUp = caughtUp;
    this.fromStore = fromStore;
    this.rebuilds = rebuilds;
  }

  public WindowPoint point() {
    return point;
  }

  /** True once the cursor has read everything the server had when it connected. */
  public boolean caughtUp() {
    return caughtUp;
  }

  /** True for a state restored from the local store, before anything was read. */
  public boolean fromStore() {
    return fromStore;
  }

  /**
   * The rebuilds after a 410 of the session that emitted this, before this state: a state with more
   * of them than the one a subscriber got before it may not follow that one change by change.
   */
  public int rebuilds() {
    return rebuilds;
  }

  /**
   * Whether {@code next} is the state {@code last} was (or, with {@code orEarlier}, an earlier one
   * of the same window): the same window, read from the same base, with no more changes applied.
   */
  public static boolean samePoint(WindowPoint last, WindowPoint next, boolean orEarlier) {
    if (!last.window().id().equals(next.window().id())) return false;
    if (!last.window().baseOffset().equals(next.window().baseOffset())) return false;
    return orEarlier ? next.applied() <= last.applied() : next.applied() == last.applied();
  }

  @Override
  public String toString() {
    return "LiveUpdate{"
        + point
        + (caughtUp ? ", caughtUp" : "")
        + (rebuilds == 0 ? "" : ", rebuilds=" + rebuilds)
        + "}";
  }
}
