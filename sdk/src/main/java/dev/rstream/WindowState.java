package dev.rstream;

/**
 * Where a window is in its life in one client. Transitions only go forward: {@link #PENDING} to
 * {@link #PULLING} to {@link #COMMITTED}, {@link #LIVE} to {@link #COMMITTED} when the next
 * keyframe arrives, and any state but {@link #COMMITTED} to {@link #FAILED}.
 */
public enum WindowState {
  /** Requested and its bounds are known; waiting for a free fetch slot. */
  PENDING,
  /** Its range of the stream is being read. */
  PULLING,
  /** Held completely; it has an end bound and never changes, so it is never fetched again. */
  COMMITTED,
  /** The last window, held up to the live cursor's position, growing as changes arrive. */
  LIVE,
  /**
   * The fetch failed. Reported once, then the window leaves the set, so a later request retries.
   */
  FAILED;

  /** Whether a window in this state may move to {@code next}. */
  public boolean canMoveTo(WindowState next) {
    switch (this) {
      case PENDING:
        return next == PULLING || next == FAILED;
      case PULLING:
        return next == COMMITTED || next == FAILED;
      case LIVE:
        return next == COMMITTED || next == FAILED;
      default:
        return false;
    }
  }
}
