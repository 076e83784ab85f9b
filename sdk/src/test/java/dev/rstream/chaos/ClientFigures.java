package dev.rstream.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the soak's clients counted and timed, all of them together, for the summary. Thread-safe.
 */
final class ClientFigures {
  final AtomicLong reconnects = new AtomicLong();
  final AtomicLong reopens = new AtomicLong();
  final AtomicLong subscriptions = new AtomicLong();

  /** From a proxy fault on a client's live read, or a server kill, to that client's next state. */
  private final List<Long> faultToStateNanos = Collections.synchronizedList(new ArrayList<>());

  /** The same, only after server kills (down time included). */
  private final List<Long> killToStateNanos = Collections.synchronizedList(new ArrayList<>());

  /**
   * A client saw its first live state {@code nanos} after a fault, a server kill if {@code kill}.
   */
  void recovered(long nanos, boolean kill) {
    faultToStateNanos.add(nanos);
    if (kill) killToStateNanos.add(nanos);
  }

  /** Every fault-to-state time so far, shortest first. */
  List<Long> faultToStateNanos() {
    return sorted(faultToStateNanos);
  }

  /** Every kill-to-state time so far, shortest first. */
  List<Long> killToStateNanos() {
    return sorted(killToStateNanos);
  }

  private static List<Long> sorted(List<Long> nanos) {
    List<Long> copy;
    synchronized (nanos) {
      copy = new ArrayList<>(nanos);
    }
    Collections.sort(copy);
    return copy;
  }
}
