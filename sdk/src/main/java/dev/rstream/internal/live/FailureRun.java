package dev.rstream.internal.live;

import dev.rstream.TransientException;

/** A run of failures of one session's read: how many, for how long, and the last one. */
final class FailureRun {
  final int count;
  final long elapsedMillis;
  final TransientException last;

  FailureRun(int count, long elapsedMillis, TransientException last) {
    this.count = count;
    this.elapsedMillis = elapsedMillis;
    this.last = last;
  }

  /** The failure a waiter fails with once this run goes past what it allows. */
  TransientException gaveUp() {
    return new TransientException(
        "the live read failed "
            + count
            + " times in a row, over "
            + elapsedMillis
            + " ms; the last time: "
            + last.getMessage(),
        last.url(),
        last.offset(),
        last.status(),
        last.serverCode(),
        last);
  }
}
