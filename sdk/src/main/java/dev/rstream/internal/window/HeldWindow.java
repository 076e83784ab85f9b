package dev.rstream.internal.window;

import org.jspecify.annotations.Nullable;

/**
 * A window's content for a caller of {@link WindowRegistry}: committed ({@link #window} non-null)
 * or the live window. Immutable.
 */
public final class HeldWindow {
  /** The live window: its content is the live cursor's. */
  static final HeldWindow LIVE = new HeldWindow(null, false);

  private final @Nullable Window window;
  private final boolean fromStore;

  HeldWindow(@Nullable Window window, boolean fromStore) {
    this.window = window;
    this.fromStore = fromStore;
  }

  /** The committed window, or null if the time is in the live window. */
  public @Nullable Window window() {
    return window;
  }

  /** Whether the committed window was read from the local store, not fetched. */
  public boolean fromStore() {
    return fromStore;
  }

  /** Whether this is the live window. */
  public boolean isLive() {
    return window == null;
  }
}
