package dev.rstream.server.storage;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A hook {@link FileLogStore} runs before each write group: once {@link #holdNext() held}, the
 * writer's next group waits for {@link #release()} (10 s at most), so a test can look at the store
 * while appends are ordered but not yet durable.
 */
final class HeldGroup implements Runnable {
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicBoolean hold;

  private HeldGroup(boolean holdFirst) {
    hold = new AtomicBoolean(holdFirst);
  }

  /** A hook that holds the store's first write group. */
  static HeldGroup holdingTheFirst() {
    return new HeldGroup(true);
  }

  /** A hook that lets groups through until {@link #holdNext()}. */
  static HeldGroup open() {
    return new HeldGroup(false);
  }

  /** Holds the next write group until {@link #release()}. */
  void holdNext() {
    hold.set(true);
  }

  /** Lets the held group, and every later one, through. */
  void release() {
    release.countDown();
  }

  @Override
  public void run() {
    if (!hold.getAndSet(false)) return;
    try {
      release.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
