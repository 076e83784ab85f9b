package dev.rstream.internal.live;

import dev.rstream.internal.window.WindowPoint;

/** One state the live cursor reached, and whether it had caught up with the tail then. */
public final class LiveUpdate {
  private final WindowPoint point;
  private final boolean caughtUp;

  LiveUpdate(WindowPoint point, boolean caughtUp) {
    this.point = point;
    this.caughtUp = caughtUp;
  }

  public WindowPoint point() {
    return point;
  }

  /** True once the cursor has read everything the server had when it connected. */
  public boolean caughtUp() {
    return caughtUp;
  }

  @Override
  public String toString() {
    return "LiveUpdate{" + point + (caughtUp ? ", caughtUp" : "") + "}";
  }
}
