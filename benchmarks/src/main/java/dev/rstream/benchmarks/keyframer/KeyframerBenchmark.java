package dev.rstream.benchmarks.keyframer;

import dev.rstream.Offset;
import dev.rstream.durable.AppendOptions;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.keyframer.Keyframer;
import dev.rstream.server.StubServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/**
 * The keyframer against server-stub serving plain JSON streams (as any Durable Streams server): its
 * catch-up throughput (changes/s it applies while reading a stream written before it started,
 * keyframes every 1,000 changes) and its lag behind the tail (from an append's acknowledgement to
 * the keyframer having applied it) while one writer appends 1k changes/s (10 a request every 10 ms)
 * and {@code --writers} writers (4 by default) append 10k changes/s between them, each a request
 * every 10 ms. Prints the figures, with the append rate reached beside the one aimed at.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar
 * dev.rstream.benchmarks.keyframer.KeyframerBenchmark [--catch-up 100000] [--seconds 10] [--writers
 * 4]}
 */
public final class KeyframerBenchmark {
  private KeyframerBenchmark() {}

  public static void main(String[] args) throws Exception {
    int catchUp = 100_000;
    int seconds = 10;
    int writers = 4;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--catch-up" -> catchUp = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--writers" -> writers = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    OkHttpClient http = new OkHttpClient();
    try (StubServer server = StubServer.builder().memory().build().start()) {
      throughput(http, server.streamUrl("bench/catch-up"), catchUp);
      lag(http, server.streamUrl("bench/lag-1k"), 1_000, 1, seconds);
      lag(http, server.streamUrl("bench/lag-10k"), 10_000, writers, seconds);
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  private static DurableStream create(OkHttpClient http, String url) {
    DurableStream stream = DurableStream.builder().url(url).okHttpClient(http).build();
    stream.create(CreateOptions.json()).blockingGet();
    return stream;
  }

  private static List<String> unit(int size, long n) {
    List<String> changes = new ArrayList<>(size);
    Instant now = Instant.now();
    for (int i = 0; i < size; i++) {
      long k = n + i;
      changes.add(
          "{\"type\":\"order\",\"key\":\"k"
              + (k % 1000)
              + "\",\"value\":{\"n\":"
              + k
              + "},\"headers\":{\"operation\":\"update\",\"timestamp\":\""
              + now
              + "\"}}");
    }
    return changes;
  }

  private static void throughput(OkHttpClient http, String url, int changes) throws Exception {
    DurableStream stream = create(http, url);
    Offset tail = null;
    for (int n = 0; n < changes; n += 500) {
      tail = stream.appendJsonBatch(unit(500, n), AppendOptions.none()).blockingGet().nextOffset();
    }
    Offset end = tail;
    CountDownLatch caughtUp = new CountDownLatch(1);
    int[] keyframes = new int[1];
    Keyframer.Listener catchUp =
        new Keyframer.Listener() {
          @Override
          public void applied(Offset offset, boolean upToDate) {
            if (offset.compareTo(end) >= 0) caughtUp.countDown();
          }

          @Override
          public void keyframeAppended(Offset asOf, Instant timestamp, int entities) {
            keyframes[0]++;
          }
        };
    Keyframer keyframer = keyframer(http, url, catchUp);
    long start = System.nanoTime();
    Thread runner = new Thread(keyframer::run, "keyframer");
    runner.start();
    if (!caughtUp.await(10, TimeUnit.MINUTES)) throw new IllegalStateException("no catch-up");
    double secs = (System.nanoTime() - start) / 1e9;
    keyframer.close();
    runner.join();
    System.out.printf(
        "catch-up: %,d changes applied in %.2f s = %,.0f changes/s (%d keyframes written meanwhile)%n",
        changes, secs, changes / secs, keyframes[0]);
  }

  /** A keyframer of {@code url} writing a keyframe every 1000 changes; not yet running. */
  private static Keyframer keyframer(OkHttpClient http, String url, Keyframer.Listener listener) {
    return Keyframer.builder(url).okHttpClient(http).changes(1000).listener(listener).build();
  }

  /**
   * The keyframer's lag while {@code writers} threads append {@code rate} changes/s between them,
   * each a request every 10 ms (so a request holds {@code rate / writers / 100} changes). Prints
   * the rate reached beside the one aimed at.
   */
  private static void lag(OkHttpClient http, String url, int rate, int writers, int seconds)
      throws Exception {
    DurableStream stream = create(http, url);
    java.util.concurrent.ConcurrentSkipListMap<Offset, Long> acked =
        new java.util.concurrent.ConcurrentSkipListMap<>();
    List<Long> lags = Collections.synchronizedList(new ArrayList<>());
    Keyframer.Listener lagRecorder =
        new Keyframer.Listener() {
          @Override
          public void applied(Offset offset, boolean upToDate) {
            long now = System.nanoTime();
            Map<Offset, Long> done = acked.headMap(offset, true);
            for (Long at : done.values()) lags.add(now - at);
            done.clear();
          }
        };
    Keyframer keyframer = keyframer(http, url, lagRecorder);
    Thread runner = new Thread(keyframer::run, "keyframer");
    runner.start();
    Thread.sleep(500); // its initial keyframe
    int perRequest = Math.max(1, rate / writers / 100);
    java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong requests = new java.util.concurrent.atomic.AtomicLong();
    long begin = System.nanoTime();
    long end = begin + Duration.ofSeconds(seconds).toNanos();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      Thread thread =
          new Thread(
              () -> {
                long next = System.nanoTime();
                long n = writer * 1_000_000_000L;
                try {
                  while (System.nanoTime() < end) {
                    Offset offset =
                        stream
                            .appendJsonBatch(unit(perRequest, n), AppendOptions.none())
                            .blockingGet()
                            .nextOffset();
                    acked.put(offset, System.nanoTime());
                    written.addAndGet(perRequest);
                    requests.incrementAndGet();
                    n += perRequest;
                    next += 10_000_000L;
                    long wait = next - System.nanoTime();
                    if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "writer-" + w);
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) thread.join();
    double elapsed = (System.nanoTime() - begin) / 1e9;
    Thread.sleep(2_000);
    keyframer.close();
    runner.join();
    List<Long> sorted = new ArrayList<>(lags);
    Collections.sort(sorted);
    System.out.printf(
        "lag aiming at %,d appends/s (%d writers, %d changes a request every 10 ms): reached"
            + " %,.0f appends/s; %d of %d requests applied; p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        rate,
        writers,
        perRequest,
        written.get() / elapsed,
        sorted.size(),
        requests.get(),
        pct(sorted, 0.50),
        pct(sorted, 0.99),
        sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1) / 1e6);
  }

  private static double pct(List<Long> sorted, double p) {
    if (sorted.isEmpty()) return 0;
    return sorted.get(Math.min(sorted.size() - 1, (int) (p * sorted.size()))) / 1e6;
  }
}
