package dev.rstream.benchmarks.e2e;

import static dev.rstream.benchmarks.e2e.SuiteKit.caughtUp;
import static dev.rstream.benchmarks.e2e.SuiteKit.check;
import static dev.rstream.benchmarks.e2e.SuiteKit.count;
import static dev.rstream.benchmarks.e2e.SuiteKit.seconds;
import static dev.rstream.benchmarks.e2e.SuiteKit.usedHeapAfterGc;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Figures 1 and 4 of {@link EndToEndBenchmarks}: catch-up throughput against the raw limit, and the
 * heap a caught-up client retains per message, measured on the same client; each size's last client
 * also measures {@link EmissionCost}. Not thread-safe.
 */
final class CatchUpFigures {
  private final SuiteKit kit;
  private final EmissionCost emission;

  CatchUpFigures(SuiteKit kit, EmissionCost emission) {
    this.kit = kit;
    this.emission = emission;
  }

  void warmUp() throws Exception {
    int n = Math.min(kit.options().sizes[0], 20_000);
    String url = kit.loopback().createStateStream("warmup", Integer.MAX_VALUE);
    kit.loopback().populate(url, n, kit.options().populateBatch, OrderHistory::orderInsert);
    for (int i = 0; i < 2; i++) {
      kit.loopback().raw().catchUp(url);
      try (RStreamClient client = kit.client(url, new TrafficCounter())) {
        caughtUp(client, n);
        // The first emission figure would otherwise carry the JIT's first compilation of the path.
        emission.nanosPerChange(client, url, n);
      }
    }
  }

  /** Adds the catch-up and memory rows of a stream of {@code n} messages. */
  void measure(int n) throws Exception {
    String size = count(n) + " msgs";
    // One window of n changes after the stream's opening (empty) keyframe: a cold start reads it
    // all, which is what live() does on a client with no local store.
    String url = kit.loopback().createStateStream("catchup-" + n, Integer.MAX_VALUE);
    kit.loopback().populate(url, n, kit.options().populateBatch, OrderHistory::orderInsert);

    long rawBest = Long.MAX_VALUE;
    long pipelinedBest = Long.MAX_VALUE;
    long rstreamBest = Long.MAX_VALUE;
    RawReads.Result raw = null;
    long retained = 0;
    TrafficCounter counter = null;
    WeakReference<Object> previous = new WeakReference<>(null);
    for (int rep = 0; rep < kit.options().catchUpRuns; rep++) {
      long t0 = System.nanoTime();
      raw = kit.loopback().raw().catchUp(url);
      long rawNanos = System.nanoTime() - t0;
      rawBest = Math.min(rawBest, rawNanos);
      // Each message of the stream is one change, plus the opening keyframe's two controls.
      check(raw.messages == n + 2, "raw read " + raw.messages + " messages, expected " + (n + 2));
      long tp = System.nanoTime();
      RawReads.Result pipelined = kit.loopback().raw().catchUpPipelined(url);
      long pipelinedNanos = System.nanoTime() - tp;
      pipelinedBest = Math.min(pipelinedBest, pipelinedNanos);
      check(pipelined.messages == n + 2, "pipelined raw read " + pipelined.messages + " messages");

      // The previous run's client lets go of its state only once its live session's linger timer
      // has fired; measuring before that would subtract its state from this one's.
      awaitCollected(previous);
      if (kit.options().histogram && rep == 0) printHistogram("before");
      long before = usedHeapAfterGc();
      counter = new TrafficCounter();
      // On the raw reader's connection pool, warm for both sides: the figure compares reading, not
      // connecting (the restart figure below counts a cold client's connections).
      RStreamClient client =
          RStreamClient.builder()
              .streamUrl(url)
              .okHttpClient(
                  kit.loopback()
                      .http()
                      .newBuilder()
                      .addInterceptor(counter)
                      .readTimeout(0, TimeUnit.SECONDS)
                      .build())
              .build();
      long t1 = System.nanoTime();
      StateView view = caughtUp(client, n);
      long rstreamNanos = System.nanoTime() - t1;
      rstreamBest = Math.min(rstreamBest, rstreamNanos);
      System.err.printf(
          Locale.ROOT,
          "[e2e] %d msgs, run %d: raw %.0f ms, raw pipelined %.0f ms, rstream %.0f ms (%.2fx)%n",
          n,
          rep,
          rawNanos / 1e6,
          pipelinedNanos / 1e6,
          rstreamNanos / 1e6,
          (double) rstreamNanos / rawNanos);
      check(view.size() == n, "rstream state has " + view.size() + " entities, expected " + n);
      // A state the previous client still held at `before` and dropped since only lowers the
      // difference, never raises it: the larger of the runs is the truer one.
      retained = Math.max(retained, usedHeapAfterGc() - before);
      System.err.printf(
          Locale.ROOT,
          "[e2e] %d msgs, run %d: %.1f s, %d B retained per message so far%n",
          n,
          rep,
          seconds(System.nanoTime() - t1),
          retained / n);
      if (kit.options().histogram && rep == 0) printHistogram("held");
      if (rep == kit.options().catchUpRuns - 1)
        emission.add(n, emission.nanosPerChange(client, url, n));
      reachabilityFence(view);
      previous = new WeakReference<>(client);
      client.close();
    }

    double mb = raw.bodyBytes / 1e6;
    kit.add(
        Figure.info(
            EndToEndBenchmarks.CATCH_UP,
            "raw limit: OkHttp + Jackson streaming, into nothing",
            size,
            String.format(
                Locale.ROOT,
                "%,.0f msg/s, %.1f MB/s (%d requests)",
                n / seconds(rawBest),
                mb / seconds(rawBest),
                raw.requests)));
    kit.add(
        Figure.info(
            EndToEndBenchmarks.CATCH_UP,
            "the same raw read, next page asked for while one is parsed (as rstream reads)",
            size,
            String.format(
                Locale.ROOT,
                "%,.0f msg/s, %.1f MB/s (%.2fx the raw limit's time)",
                n / seconds(pipelinedBest),
                mb / seconds(pipelinedBest),
                (double) pipelinedBest / rawBest)));
    kit.add(
        Figure.info(
            EndToEndBenchmarks.CATCH_UP,
            "rstream: live() until caught up (cold, no store)",
            size,
            String.format(
                Locale.ROOT,
                "%,.0f msg/s, %.1f MB/s (%d requests, %.1f MB)",
                n / seconds(rstreamBest),
                mb / seconds(rstreamBest),
                counter.requests(),
                counter.bodyBytes() / 1e6)));
    double ratio = (double) rstreamBest / rawBest;
    kit.add(
        new Figure(
            EndToEndBenchmarks.CATCH_UP,
            "rstream time / raw time",
            size,
            String.format(Locale.ROOT, "%.2fx", ratio),
            "<= 1.3x",
            ratio <= 1.3));

    double perMessage = (double) retained / n;
    double jsonPerMessage = (double) raw.messageBytes / raw.messages;
    double memRatio = perMessage / jsonPerMessage;
    kit.add(
        new Figure(
            EndToEndBenchmarks.MEMORY,
            "heap retained per held message / its JSON size",
            size,
            String.format(
                Locale.ROOT, "%.0f B / %.0f B = %.2fx", perMessage, jsonPerMessage, memRatio),
            "<= 1.5x",
            memRatio <= 1.5));
  }

  /** Where the held heap goes, to stderr: the JDK's own class histogram of this process. */
  private static void printHistogram(String label) throws IOException, InterruptedException {
    Process jcmd =
        new ProcessBuilder(
                "jcmd", Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    String[] lines = new String(jcmd.getInputStream().readAllBytes(), UTF_8).split("\n");
    jcmd.waitFor();
    for (int i = 0; i < Math.min(lines.length, 40); i++)
      System.err.println("[histogram " + label + "] " + lines[i]);
  }

  private static void reachabilityFence(Object o) {
    if (o.hashCode() == 42 && System.nanoTime() == 0) System.out.print("");
  }

  private static void awaitCollected(java.lang.ref.WeakReference<?> reference)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (reference.get() != null) {
      check(System.nanoTime() < deadline, "a closed client's state is still reachable after 30 s");
      System.gc();
      Thread.sleep(50); // polls a condition, with a deadline
    }
  }
}
