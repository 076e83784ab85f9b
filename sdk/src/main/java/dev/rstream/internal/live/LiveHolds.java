package dev.rstream.internal.live;

import dev.rstream.Progress;
import java.util.EnumSet;

/**
 * The reasons the live connection is held closed now, shared by a cursor and each of its sessions:
 * the connection is open only while there is none. Thread-safe.
 */
final class LiveHolds {
  private final EnumSet<LiveHold> reasons = EnumSet.noneOf(LiveHold.class);

  synchronized void add(LiveHold reason) {
    reasons.add(reason);
  }

  synchronized void remove(LiveHold reason) {
    reasons.remove(reason);
  }

  /** Whether the connection must stay closed. */
  synchronized boolean held() {
    return !reasons.isEmpty();
  }

  /** What progress says while held: offline, whatever else holds it, else idle. */
  synchronized Progress.Live state() {
    return reasons.contains(LiveHold.OFFLINE) ? Progress.Live.OFFLINE : Progress.Live.IDLE;
  }
}
