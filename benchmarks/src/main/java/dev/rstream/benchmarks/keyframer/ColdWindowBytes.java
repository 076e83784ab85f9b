package dev.rstream.benchmarks.keyframer;

import dev.rstream.RStreamClient;
import dev.rstream.benchmarks.e2e.TrafficCounter;
import dev.rstream.benchmarks.fanout.ServerProcess;
import dev.rstream.durable.AppendOptions;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadOptions;
import dev.rstream.keyframer.Keyframer;
import dev.rstream.server.StubServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/**
 * Cold {@code window(ts)} bytes on the Node reference server (keyframes by the {@link Keyframer})
 * beside server-stub (its own keyframes), same stream content, same run: each server gets the same
 * changes (1,000 keys, a keyframe every 1,000 changes), then a fresh client with no store asks for
 * the state at each of the same random past times. Prints the decoded response bytes and requests
 * per cold window on each server, and the bytes of one window's range for scale.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar
 * dev.rstream.benchmarks.keyframer.ColdWindowBytes [--changes 20000] [--samples 20]} from the
 * repository root (the Node server is installed from {@code benchmarks/fanout-node} with npm ci).
 */
public final class ColdWindowBytes {
  private static final int PER_KEYFRAME = 1000;
  private static final Instant FIRST = Instant.parse("2026-01-01T00:00:00Z");

  private ColdWindowBytes() {}

  public static void main(String[] args) throws Exception {
    int changes = 20_000;
    int samples = 20;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--changes" -> changes = Integer.parseInt(args[i + 1]);
        case "--samples" -> samples = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Random random = new Random(7);
    List<Instant> times = new ArrayList<>();
    for (int i = 0; i < samples; i++) times.add(FIRST.plusMillis(10L * random.nextInt(changes)));
    OkHttpClient http = new OkHttpClient();
    try (StubServer stub = StubServer.builder().memory().build().start();
        ServerProcess node = ServerProcess.node(Path.of("benchmarks/fanout-node"))) {
      String stubUrl = stub.streamUrl("bench/cold");
      create(http, stubUrl, true);
      fill(http, stubUrl, changes);
      report("server-stub", http, stubUrl, changes, times);

      String nodeUrl = node.streamUrl("bench/cold");
      create(http, nodeUrl, false);
      Keyframer keyframer =
          Keyframer.builder(nodeUrl)
              .okHttpClient(http)
              .changes(PER_KEYFRAME)
              .interval(Duration.ofHours(1))
              .build();
      Thread runner = new Thread(keyframer::run, "keyframer");
      runner.start();
      awaitIndex(http, nodeUrl, 1); // its initial, empty keyframe
      fill(http, nodeUrl, changes);
      report("Node + keyframer", http, nodeUrl, changes, times);
      keyframer.close();
      runner.join();
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  private static void create(OkHttpClient http, String url, boolean stubKeyframes) {
    CreateOptions.Builder options = CreateOptions.builder().contentType("application/json");
    if (stubKeyframes)
      options.header("Rstream-Keyframes", "changes=" + PER_KEYFRAME + ", interval=3600s");
    DurableStream.builder()
        .url(url)
        .okHttpClient(http)
        .build()
        .create(options.build())
        .blockingGet();
  }

  /** {@code changes} changes 10 ms apart, in requests of 100, each waiting for the keyframes. */
  private static void fill(OkHttpClient http, String url, int changes) throws InterruptedException {
    DurableStream stream = DurableStream.builder().url(url).okHttpClient(http).build();
    for (int n = 0; n < changes; n += 100) {
      List<String> unit = new ArrayList<>(100);
      for (int k = n; k < n + 100; k++) {
        unit.add(
            "{\"type\":\"order\",\"key\":\"k"
                + (k % 1000)
                + "\",\"value\":{\"n\":"
                + k
                + ",\"note\":\"a change of a modest size, as an app writes\"},"
                + "\"headers\":{\"operation\":\"update\",\"timestamp\":\""
                + FIRST.plusMillis(10L * k)
                + "\"}}");
      }
      stream.appendJsonBatch(unit, AppendOptions.none()).blockingGet();
      // An import goes at the keyframer's pace: one keyframe per 1,000 changes, as on server-stub.
      if ((n + 100) % PER_KEYFRAME == 0) awaitIndex(http, url, 1 + (n + 100) / PER_KEYFRAME);
    }
  }

  private static void awaitIndex(OkHttpClient http, String url, int entries)
      throws InterruptedException {
    DurableStream index =
        DurableStream.builder().url(url + ".keyframes").okHttpClient(http).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        long count =
            index
                .read(
                    ReadOptions.builder().liveMode(LiveMode.OFF).build(), MessageDecoder.jsonNode())
                .concatMapIterable(batch -> batch.messages())
                .count()
                .blockingGet();
        if (count >= entries) return;
      } catch (RuntimeException notYet) {
        // The keyframer creates the index on start.
      }
      if (System.nanoTime() > deadline) throw new IllegalStateException(entries + " index entries");
      Thread.sleep(20); // polls a condition with a deadline
    }
  }

  private static void report(
      String server, OkHttpClient http, String url, int changes, List<Instant> times) {
    long bytes = 0;
    long requests = 0;
    for (Instant time : times) {
      TrafficCounter counter = new TrafficCounter();
      OkHttpClient counted = http.newBuilder().addInterceptor(counter).build();
      try (RStreamClient client =
          RStreamClient.builder().streamUrl(url).okHttpClient(counted).build()) {
        client.window(time).timeout(60, TimeUnit.SECONDS).blockingFirst();
      }
      bytes += counter.bodyBytes();
      requests += counter.requests();
    }
    TrafficCounter whole = new TrafficCounter();
    DurableStream.builder()
        .url(url)
        .okHttpClient(http.newBuilder().addInterceptor(whole).build())
        .build()
        .read(ReadOptions.builder().liveMode(LiveMode.OFF).build(), MessageDecoder.jsonNode())
        .blockingSubscribe();
    System.out.printf(
        "%s: cold window(ts) reads %,d bytes in %.1f requests on average (%d samples);"
            + " the whole stream is %,d bytes, one window's share %,d%n",
        server,
        bytes / times.size(),
        requests / (double) times.size(),
        times.size(),
        whole.bodyBytes(),
        whole.bodyBytes() / (changes / PER_KEYFRAME + 1));
  }
}
