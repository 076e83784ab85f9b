package dev.rstream.internal.live;

import dev.rstream.Offset;
import dev.rstream.RStreamEventListener;
import org.jspecify.annotations.Nullable;

/**
 * Whether one session's live connection is open, as the app's event listener hears it: opened when
 * the server answers a live read, closed (with why) when the read fails, is paused, or the session
 * ends. Each opening is followed by exactly one closing. Thread-safe: pausing comes from the app's
 * thread, the rest from the read's.
 */
final class LiveConnectionEvents {
  private final RStreamEventListener events;
  private boolean open; // guarded by this

  LiveConnectionEvents(RStreamEventListener events) {
    this.events = events;
  }

  /** The server answered the read from {@code from}: opened, unless it already was. */
  void opened(Offset from) {
    if (events == RStreamEventListener.NONE) return;
    synchronized (this) {
      if (open) return;
      open = true;
    }
    events.liveConnectionOpened(from);
  }

  /** The connection is gone, for {@code cause} (null: nobody wants it): closed, if it was open. */
  void closed(@Nullable Throwable cause) {
    if (events == RStreamEventListener.NONE) return;
    synchronized (this) {
      if (!open) return;
      open = false;
    }
    events.liveConnectionClosed(cause);
  }
}
