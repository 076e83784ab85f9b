package dev.rstream.testing;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition with a deadline: the way a test waits for what happens on other threads.
 */
public final class Await {
  private static final long DEADLINE_SECONDS = 10;

  private Await() {}

  /**
   * Returns once {@code condition} holds; fails with an {@link AssertionError} naming {@code what}
   * if it does not within 10 s.
   */
  public static void until(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + DEADLINE_SECONDS + " s: " + what);
      }
      Thread.sleep(5); // polls a condition with a deadline
    }
  }
}
