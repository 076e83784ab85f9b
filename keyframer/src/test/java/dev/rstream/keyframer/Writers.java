package dev.rstream.keyframer;

import dev.rstream.durable.DurableStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * Writers that append State Protocol changes to one stream from threads of their own, each with its
 * own clock ({@code start} plus its skew), as several app servers would. Units of 1 to 3 changes to
 * keys {@code o0..o11} of type {@code order}, one in five a delete. Stopped by {@link #stop()},
 * which fails if a writer failed.
 */
final class Writers implements AutoCloseable {
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
  private final AtomicInteger units = new AtomicInteger();
  private volatile boolean running = true;

  /**
   * Starts one writer per skew; each appends at most {@code maxUnits} units, pausing {@code pause}
   * between them.
   */
  static Writers start(
      OkHttpClient http,
      String url,
      Instant start,
      List<Duration> skews,
      int maxUnits,
      Duration pause) {
    Writers writers = new Writers();
    DurableStream stream = DurableStream.builder().url(url).okHttpClient(http).build();
    for (int w = 0; w < skews.size(); w++) {
      Instant clock = start.plus(skews.get(w));
      Random random = new Random(31 * w + 7);
      Thread thread =
          new Thread(() -> writers.write(stream, clock, random, maxUnits, pause), "writer-" + w);
      thread.setDaemon(true);
      writers.threads.add(thread);
      thread.start();
    }
    return writers;
  }

  private void write(
      DurableStream stream, Instant clock, Random random, int maxUnits, Duration pause) {
    try {
      for (int u = 0; u < maxUnits && running; u++) {
        List<String> unit = new ArrayList<>();
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
          clock = clock.plusMillis(1 + random.nextInt(1000));
          unit.add(change(random, clock));
        }
        stream
            .appendJsonBatch(unit, dev.rstream.durable.AppendOptions.none())
            .timeout(30, TimeUnit.SECONDS)
            .blockingGet();
        units.incrementAndGet();
        if (!pause.isZero()) Thread.sleep(pause.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable e) {
      failure.compareAndSet(null, e);
    }
  }

  /** One change stamped {@code time}: an update of a random key, or one time in five a delete. */
  static String change(Random random, Instant time) {
    String key = "o" + random.nextInt(12);
    String stamp = time.toString();
    if (random.nextInt(5) == 0) {
      return "{\"type\":\"order\",\"key\":\""
          + key
          + "\",\"headers\":{\"operation\":\"delete\",\"timestamp\":\""
          + stamp
          + "\"}}";
    }
    return "{\"type\":\"order\",\"key\":\""
        + key
        + "\",\"value\":{\"qty\":"
        + random.nextInt(100)
        + "},\"headers\":{\"operation\":\"update\",\"timestamp\":\""
        + stamp
        + "\"}}";
  }

  /** Units appended so far, by every writer. */
  int units() {
    return units.get();
  }

  /** Waits until every writer has appended its units (or {@code timeout}); rethrows a failure. */
  void join(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread thread : threads) {
      thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (thread.isAlive())
        throw new AssertionError(thread.getName() + " still writing after " + timeout);
    }
    Throwable e = failure.get();
    if (e != null) throw new AssertionError("a writer failed", e);
  }

  /** Stops the writers and waits for them; rethrows a writer's failure. */
  void stop() throws InterruptedException {
    running = false;
    join(Duration.ofSeconds(30));
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread thread : threads) thread.join(30_000);
  }
}
