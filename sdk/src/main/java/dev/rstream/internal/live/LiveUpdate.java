package dev.rstream.internal.live;

import dev.rstream.internal.window.WindowPoint;

/** One state the live cursor reached, and whether it had caught up with the tail then. */
public final class LiveUpdate {
  private final WindowPoint point;
  private final boolean caughtUp;
  private final boolean fromStore;

  LiveUpdate(WindowPoint point, boolean caughtUp, boolean fromStore) {
    this.point = point;
    this.caughtUp = caughtUp;
    this.fromStore = fromStore;
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
    return "LiveUpdate{" + point + (caughtUp ? ", caughtUp" : "") + "}";
  }
}
