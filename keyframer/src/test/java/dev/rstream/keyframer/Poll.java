package dev.rstream.keyframer;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline: polls it, and fails with {@code what} when time is up. */
final class Poll {
  private Poll() {}

  static void until(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(20);
    }
  }
}
