package dev.rstream.benchmarks.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.rstream.Change;
import dev.rstream.LocalStore;
import dev.rstream.Offset;
import dev.rstream.Progress;
import dev.rstream.RStreamClient;
import dev.rstream.SqliteStore;
import dev.rstream.StateView;
import io.reactivex.rxjava3.disposables.CompositeDisposable;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * The end-to-end benchmark suite: catch-up throughput against the raw limit, live latency, time
 * seek and memory, each measured side by side in one run against an in-process {@code server-stub}
 * on loopback. Prints a table and, with {@code --write FILE}, writes it as Markdown.
 *
 * <p>Flags: {@code --sizes 10000,100000,1000000} (messages per stream; a smoke run passes tiny
 * ones), {@code --subscribers 1,100,1000}, {@code --latency-messages 250}, {@code --keyframe-every
 * 1000} (changes per keyframe of the seek streams), {@code --catch-up-runs 3} (alternated raw and
 * rstream catch-ups per size, the best of each counted), {@code --restart-messages 1000000
 * --restart-windows 1000 --restart-appended 1000} (the restart figure's stream), {@code --figures
 * catch-up,memory,latency,seek,restart} (a subset, to profile one), {@code --histogram true} (the
 * heap's class histogram while messages are held), {@code --write FILE}.
 *
 * <p>Not thread-safe; one run at a time. Every stream, client and server it opens is closed before
 * {@link #run} returns.
 */
public final class EndToEndBenchmarks {
  static final String CATCH_UP = "1. Catch-up throughput";
  static final String LATENCY = "2. Live latency";
  static final String SEEK = "3. Time seek";
  static final String MEMORY = "4. Memory";
  static final String RESTART = "5. Restart";

  /** Keeps what follows it in an existing BENCHMARKS.md across runs (hand-written analysis). */
  static final String ANALYSIS_MARKER = "<!-- analysis: kept across runs -->";

  private final Options options;
  private final List<Figure> figures = new ArrayList<>();
  private Loopback loopback;

  private EndToEndBenchmarks(Options options, Loopback loopback) {
    this.options = options;
    this.loopback = loopback;
  }

  /**
   * A new server for each figure: the streams of an earlier one (a million messages in the memory
   * store) would otherwise stay on the heap and put their GC pauses in later figures.
   */
  private void freshServer() throws IOException {
    loopback.close();
    loopback = new Loopback();
    for (int i = 0; i < 2; i++) System.gc();
  }

  /** Options of one run. Immutable once parsed. */
  static final class Options {
    int[] sizes = {10_000, 100_000, 1_000_000};
    int[] subscribers = {1, 100, 1_000};
    int latencyMessages = 1000;
    int latencyWarmup = 20;
    long latencyPacingMillis = 20;
    int keyframeEvery = 1_000;
    int populateBatch = 5_000;
    int emitUpdates = 2_000;

    /** Catch-up runs per size, raw and rstream alternated; the best of each counts. */
    int catchUpRuns = 5;

    /**
     * Restart figure: messages in the stream, keyframes (windows) among them, messages appended
     * while closed.
     */
    int restartMessages = 1_000_000;

    int restartWindows = 1_000;
    int restartAppended = 1_000;
    @Nullable Path write;

    /** Which figures to run (for profiling one of them): catch-up, memory, latency, seek. */
    List<String> figures = Arrays.asList("catch-up", "memory", "latency", "seek", "restart");

    /** Prints a class histogram of the heap while N messages are held (to see where it goes). */
    boolean histogram;

    List<String> args = new ArrayList<>();

    static Options parse(String... args) {
      Options o = new Options();
      o.args = Arrays.asList(args);
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (i + 1 >= args.length) throw new IllegalArgumentException(flag + " needs a value");
        String value = args[++i];
        switch (flag) {
          case "--sizes":
            o.sizes = ints(value);
            break;
          case "--subscribers":
            o.subscribers = ints(value);
            break;
          case "--latency-messages":
            o.latencyMessages = Integer.parseInt(value);
            break;
          case "--latency-warmup":
            o.latencyWarmup = Integer.parseInt(value);
            break;
          case "--latency-pacing-ms":
            o.latencyPacingMillis = Long.parseLong(value);
            break;
          case "--keyframe-every":
            o.keyframeEvery = Integer.parseInt(value);
            break;
          case "--emit-updates":
            o.emitUpdates = Integer.parseInt(value);
            break;
          case "--catch-up-runs":
            o.catchUpRuns = Math.max(1, Integer.parseInt(value));
            break;
          case "--restart-messages":
            o.restartMessages = Integer.parseInt(value);
            break;
          case "--restart-windows":
            o.restartWindows = Integer.parseInt(value);
            break;
          case "--restart-appended":
            o.restartAppended = Integer.parseInt(value);
            break;
          case "--write":
            o.write = Paths.get(value);
            break;
          case "--figures":
            o.figures = Arrays.asList(value.split(","));
            break;
          case "--histogram":
            o.histogram = Boolean.parseBoolean(value);
            break;
          default:
            throw new IllegalArgumentException("unknown flag " + flag);
        }
      }
      return o;
    }

    boolean runs(String figure) {
      return figures.contains(figure);
    }

    private static int[] ints(String csv) {
      return Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }
  }

  /** Runs the suite: {@code [--sizes a,b,c] [--subscribers a,b,c] [--write BENCHMARKS.md]}. */
  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    double loadBefore = loadAverage();
    Instant started = Instant.now();
    List<Figure> figures = run(options);
    double loadAfter = loadAverage();
    String report = markdown(options, figures, started, loadBefore, loadAfter);
    System.out.println(report);
    Path write = options.write;
    if (write != null) {
      String kept = "";
      if (Files.exists(write)) {
        String old = Files.readString(write, UTF_8);
        int at = old.indexOf(ANALYSIS_MARKER);
        if (at >= 0) kept = old.substring(at + ANALYSIS_MARKER.length());
      }
      Files.writeString(write, report + "\n" + ANALYSIS_MARKER + kept, UTF_8);
      System.out.println("wrote " + write.toAbsolutePath());
    }
    System.exit(0); // Rx and OkHttp keep non-daemon threads alive for a while after close.
  }

  /** Runs every figure and returns the rows; throws if a run's counts are inconsistent. */
  static List<Figure> run(Options options) throws Exception {
    EndToEndBenchmarks suite = new EndToEndBenchmarks(options, new Loopback());
    try {
      if (options.runs("catch-up") || options.runs("memory")) {
        suite.phase("warm-up", suite::warmUp);
        for (int size : options.sizes)
          suite.phase("catch-up " + size, () -> suite.catchUpAndMemory(size));
        suite.emissionFlatness();
      }
      if (options.runs("latency")) {
        suite.freshServer();
        for (int subscribers : options.subscribers)
          suite.phase("latency " + subscribers, () -> suite.latency(subscribers));
      }
      if (options.runs("seek")) {
        suite.freshServer();
        for (int size : options.sizes) suite.phase("seek " + size, () -> suite.seek(size));
      }
      if (options.runs("restart")) {
        suite.freshServer();
        suite.phase("restart " + options.restartMessages, suite::restart);
      }
      // Grouped by section, in the order of the brief; rows keep their run order within one.
      List<Figure> sorted = new ArrayList<>(suite.figures);
      sorted.sort(java.util.Comparator.comparing(f -> f.section));
      return sorted;
    } finally {
      suite.loopback.close();
    }
  }

  private interface Phase {
    void run() throws Exception;
  }

  private void phase(String name, Phase phase) throws Exception {
    long t0 = System.nanoTime();
    phase.run();
    System.err.printf(
        Locale.ROOT,
        "[e2e] %s: %.1f s, load %.2f%n",
        name,
        seconds(System.nanoTime() - t0),
        loadAverage());
  }

  // ---------------------------------------------------------------- 1 + 4: catch-up and memory

  static String orderInsert(int i) {
    return "{\"type\":\"order\",\"key\":\"o"
        + i
        + "\",\"value\":{\"id\":"
        + i
        + ",\"price\":"
        + (1000 + i % 997)
        + ".25,\"qty\":"
        + (i % 50 + 1)
        + ",\"side\":\""
        + (i % 2 == 0 ? "buy" : "sell")
        + "\",\"trader\":\"trader-"
        + (i % 113)
        + "\"},\"headers\":{\"operation\":\"insert\"}}";
  }

  private void warmUp() throws Exception {
    int n = Math.min(options.sizes[0], 20_000);
    String url = loopback.createStateStream("warmup", Integer.MAX_VALUE);
    loopback.populate(url, n, options.populateBatch, EndToEndBenchmarks::orderInsert);
    for (int i = 0; i < 2; i++) {
      loopback.rawCatchUp(url);
      try (RStreamClient client = client(url, new TrafficCounter())) {
        caughtUp(client, n);
        // The first emission figure would otherwise carry the JIT's first compilation of the path.
        emissionNanosPerChange(client, url, n);
      }
    }
  }

  private final List<double[]> emission = new ArrayList<>();
  private final AtomicInteger emissionRounds = new AtomicInteger();

  private void catchUpAndMemory(int n) throws Exception {
    String size = count(n) + " msgs";
    // One window of n changes after the stream's opening (empty) keyframe: a cold start reads it
    // all, which is what live() does on a client with no local store.
    String url = loopback.createStateStream("catchup-" + n, Integer.MAX_VALUE);
    loopback.populate(url, n, options.populateBatch, EndToEndBenchmarks::orderInsert);

    long rawBest = Long.MAX_VALUE;
    long pipelinedBest = Long.MAX_VALUE;
    long rstreamBest = Long.MAX_VALUE;
    Loopback.RawResult raw = null;
    long retained = 0;
    TrafficCounter counter = null;
    java.lang.ref.WeakReference<Object> previous = new java.lang.ref.WeakReference<>(null);
    for (int rep = 0; rep < options.catchUpRuns; rep++) {
      long t0 = System.nanoTime();
      raw = loopback.rawCatchUp(url);
      long rawNanos = System.nanoTime() - t0;
      rawBest = Math.min(rawBest, rawNanos);
      // Each message of the stream is one change, plus the opening keyframe's two controls.
      check(raw.messages == n + 2, "raw read " + raw.messages + " messages, expected " + (n + 2));
      long tp = System.nanoTime();
      Loopback.RawResult pipelined = loopback.rawCatchUpPipelined(url);
      long pipelinedNanos = System.nanoTime() - tp;
      pipelinedBest = Math.min(pipelinedBest, pipelinedNanos);
      check(pipelined.messages == n + 2, "pipelined raw read " + pipelined.messages + " messages");

      // The previous run's client lets go of its state only once its live session's linger timer
      // has fired; measuring before that would subtract its state from this one's.
      awaitCollected(previous);
      if (options.histogram && rep == 0) printHistogram("before");
      long before = usedHeapAfterGc();
      counter = new TrafficCounter();
      // On the raw reader's connection pool, warm for both sides: the figure compares reading, not
      // connecting (the restart figure below counts a cold client's connections).
      RStreamClient client =
          RStreamClient.builder()
              .streamUrl(url)
              .okHttpClient(
                  loopback
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
      if (options.histogram && rep == 0) printHistogram("held");
      if (rep == options.catchUpRuns - 1)
        emission.add(new double[] {n, emissionNanosPerChange(client, url, n)});
      reachabilityFence(view);
      previous = new java.lang.ref.WeakReference<>(client);
      client.close();
    }

    double mb = raw.bodyBytes / 1e6;
    figures.add(
        Figure.info(
            CATCH_UP,
            "raw limit: OkHttp + Jackson streaming, into nothing",
            size,
            String.format(
                Locale.ROOT,
                "%,.0f msg/s, %.1f MB/s (%d requests)",
                n / seconds(rawBest),
                mb / seconds(rawBest),
                raw.requests)));
    figures.add(
        Figure.info(
            CATCH_UP,
            "the same raw read, next page asked for while one is parsed (as rstream reads)",
            size,
            String.format(
                Locale.ROOT,
                "%,.0f msg/s, %.1f MB/s (%.2fx the raw limit's time)",
                n / seconds(pipelinedBest),
                mb / seconds(pipelinedBest),
                (double) pipelinedBest / rawBest)));
    figures.add(
        Figure.info(
            CATCH_UP,
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
    figures.add(
        new Figure(
            CATCH_UP,
            "rstream time / raw time",
            size,
            String.format(Locale.ROOT, "%.2fx", ratio),
            "<= 1.3x",
            ratio <= 1.3));

    double perMessage = (double) retained / n;
    double jsonPerMessage = (double) raw.messageBytes / raw.messages;
    double memRatio = perMessage / jsonPerMessage;
    figures.add(
        new Figure(
            MEMORY,
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

  /**
   * One POST of updates to a caught-up client: {@code live()} emits one view per append unit, so
   * the time from sending the POST to the {@code onNext} of that unit's view, divided by the unit's
   * changes, is the cost per change of reading, applying and emitting it (plus the server's append,
   * which does not grow with the client's state). Flat as the state grows is the goal.
   */
  private double emissionNanosPerChange(RStreamClient client, String url, int entities)
      throws Exception {
    int updates = Math.min(options.emitUpdates, entities);
    // A fresh subscription first sees the held state, whose last change may be an earlier round's.
    String marker = "\"round\":" + emissionRounds.incrementAndGet() + ",";
    long[] at = new long[1];
    int[] changes = new int[1];
    CountDownLatch done = new CountDownLatch(1);
    CompositeDisposable subscriptions = new CompositeDisposable();
    subscriptions.add(
        client
            .live()
            .subscribe(
                view -> {
                  Change change = view.change();
                  if (change == null || change.value() == null || !change.value().contains(marker))
                    return;
                  at[0] = System.nanoTime();
                  changes[0] = view.changes().size();
                  done.countDown();
                }));
    // A live session that resumes held state first catches up; post only once this
    // subscription's session reports it is connected.
    client
        .progress()
        .filter(p -> p.live() == Progress.Live.CONNECTED)
        .timeout(60, TimeUnit.SECONDS)
        .blockingFirst();
    StringBuilder body = new StringBuilder().append('[');
    for (int k = 0; k < updates; k++) {
      if (k > 0) body.append(',');
      int key = (int) ((k * 7919L) % entities);
      body.append("{\"type\":\"order\",\"key\":\"o")
          .append(key)
          .append("\",\"value\":{\"id\":")
          .append(key)
          .append(',')
          .append(marker)
          .append("\"upd\":")
          .append(k)
          .append("},\"headers\":{\"operation\":\"update\"}}");
    }
    String json = body.append(']').toString();
    long sent = System.nanoTime();
    loopback.post(url, json);
    check(done.await(60, TimeUnit.SECONDS), "no view of the " + updates + "-update append");
    subscriptions.dispose();
    check(
        changes[0] == updates,
        "the append's view holds " + changes[0] + " changes, expected " + updates);
    return (double) (at[0] - sent) / updates;
  }

  private void emissionFlatness() {
    double first = emission.get(0)[1];
    for (double[] e : emission) {
      double growth = first == 0 ? 1 : e[1] / first;
      figures.add(
          new Figure(
              MEMORY,
              "cost per change of one "
                  + Math.min(options.emitUpdates, (int) e[0])
                  + "-update append: POST to its live() StateView / changes",
              count((int) e[0]) + " entities",
              String.format(Locale.ROOT, "%.1f us/change (%.2fx the smallest)", e[1] / 1e3, growth),
              "flat (<= 2x the smallest)",
              growth <= 2.0));
    }
  }

  // ---------------------------------------------------------------- 2: live latency

  private void latency(int subscribers) throws Exception {
    String url = loopback.createStateStream("live-" + subscribers, 1_000);
    int warmup = options.latencyWarmup;
    int measured = options.latencyMessages;
    long[] samples = new long[subscribers * measured];
    AtomicInteger recorded = new AtomicInteger();
    CountDownLatch allReceived = new CountDownLatch(subscribers * measured);
    CountDownLatch caughtUp = new CountDownLatch(subscribers);
    AtomicLong duplicates = new AtomicLong();
    TrafficCounter counter = new TrafficCounter();
    try (RStreamClient client = client(url, counter)) {
      CompositeDisposable subscriptions = new CompositeDisposable();
      for (int s = 0; s < subscribers; s++) {
        int[] lastSeq = {-1};
        boolean[] first = {true};
        subscriptions.add(
            client
                .live()
                .subscribe(
                    view -> {
                      long now = System.nanoTime();
                      if (first[0]) {
                        first[0] = false;
                        caughtUp.countDown();
                      }
                      Change change = view.change();
                      String value = change == null ? null : change.value();
                      if (value == null || !value.startsWith("{\"seq\":")) return;
                      int comma = value.indexOf(',');
                      int seq = Integer.parseInt(value.substring(7, comma));
                      long sent =
                          Long.parseLong(
                              value.substring(value.indexOf(':', comma) + 1, value.length() - 1));
                      if (seq <= lastSeq[0]) duplicates.incrementAndGet();
                      lastSeq[0] = seq;
                      if (seq < warmup) return;
                      samples[recorded.getAndIncrement()] = now - sent;
                      allReceived.countDown();
                    }));
      }
      check(caughtUp.await(60, TimeUnit.SECONDS), "subscribers did not catch up");
      long next = System.nanoTime();
      for (int seq = 0; seq < warmup + measured; seq++) {
        long wait = next - System.nanoTime();
        if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait); // open-loop pacing, not a hope
        next += TimeUnit.MILLISECONDS.toNanos(options.latencyPacingMillis);
        loopback.post(
            url,
            "{\"type\":\"tick\",\"key\":\"t"
                + (seq % 100)
                + "\",\"value\":{\"seq\":"
                + seq
                + ",\"sent\":"
                + System.nanoTime()
                + "},\"headers\":{\"operation\":\"update\"}}");
      }
      check(
          allReceived.await(60, TimeUnit.SECONDS),
          "received " + recorded.get() + " of " + samples.length);
      subscriptions.dispose();
    }
    check(recorded.get() == samples.length, "recorded " + recorded.get() + " of " + samples.length);
    check(duplicates.get() == 0, duplicates.get() + " duplicate or reordered changes");
    Arrays.sort(samples);
    double p50 = millis(samples[samples.length / 2]);
    double p99 =
        millis(samples[(int) Math.min(samples.length - 1, Math.ceil(samples.length * 0.99) - 1)]);
    double max = millis(samples[samples.length - 1]);
    double goal = subscribers <= 1 ? 5 : 10;
    figures.add(
        new Figure(
            LATENCY,
            "append (POST) -> onNext, one client ("
                + counter.requests()
                + " requests: index, catch-up, 1 SSE)",
            subscribers + (subscribers == 1 ? " subscriber" : " subscribers"),
            String.format(
                Locale.ROOT,
                "p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d samples)",
                p50,
                p99,
                max,
                samples.length),
            String.format(Locale.ROOT, "p99 < %.0f ms", goal),
            p99 < goal));
  }

  // ---------------------------------------------------------------- 3: time seek

  private void seek(int n) throws Exception {
    int every = options.keyframeEvery;
    String url = loopback.createStateStream("seek-" + n, every);
    Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS).plusSeconds(1);
    int keys = Math.max(1, every);
    // Batches of `every` changes: the server writes keyframes between units, so this keeps them
    // `every` changes apart.
    loopback.populateKeyframed(url, 0, n, every, OrderHistory.orderMessage(keys, base));
    List<Loopback.IndexEntry> index = loopback.keyframeIndex(url);
    check(index.size() >= 3, "only " + index.size() + " keyframes in " + url);
    int k = index.size() / 2;
    Loopback.IndexEntry start = index.get(k);
    Loopback.IndexEntry end = index.get(k + 1);
    Instant target =
        start.timestamp.plus(Duration.between(start.timestamp, end.timestamp).dividedBy(2));
    Loopback.RawResult window = loopback.windowSize(url, start.offset, end.offset);
    long indexBytes = loopback.rawIndexBytes(url);

    TrafficCounter counter = new TrafficCounter();
    try (RStreamClient client = client(url, counter)) {
      long t0 = System.nanoTime();
      StateView cold = client.window(target).blockingFirst();
      long coldNanos = System.nanoTime() - t0;
      long coldRequests = counter.requests();
      long coldBytes = counter.bodyBytes();
      check(
          cold.timestamp() != null && !cold.timestamp().isAfter(target),
          "state at " + cold.timestamp() + " for " + target);
      check(cold.size() == Math.min(keys, n), "window state has " + cold.size() + " entities");

      long t1 = System.nanoTime();
      StateView warm = client.window(target.plusMillis(1)).blockingFirst();
      long warmNanos = System.nanoTime() - t1;
      long warmRequests = counter.requests() - coldRequests;
      check(warm.windowId().equals(cold.windowId()), "warm seek landed in another window");

      Loopback.IndexEntry previous = index.get(k - 1);
      long t2 = System.nanoTime();
      client
          .window(
              previous.timestamp.plus(
                  Duration.between(previous.timestamp, start.timestamp).dividedBy(2)))
          .blockingFirst();
      long otherNanos = System.nanoTime() - t2;
      long otherRequests = counter.requests() - coldRequests - warmRequests;

      String size = count(n) + " msgs, " + index.size() + " keyframes";
      double bytesRatio = (double) (coldBytes - indexBytes) / window.messageBytes;
      figures.add(
          new Figure(
              SEEK,
              "cold window(ts): requests, bytes beyond the index / window size",
              size,
              String.format(
                  Locale.ROOT,
                  "%d requests, %,d B index + %,d B / %,d B window = %.2fx",
                  coldRequests,
                  indexBytes,
                  coldBytes - indexBytes,
                  window.messageBytes,
                  bytesRatio),
              "1 index read + 1 window read, <= 1.2x",
              coldRequests <= 2 && bytesRatio <= 1.2));
      figures.add(
          Figure.info(
              SEEK,
              "latency: cold (index + window) / same window again / neighbour window",
              size,
              String.format(
                  Locale.ROOT,
                  "%.1f ms / %.3f ms (%d requests) / %.1f ms (%d requests)",
                  millis(coldNanos),
                  millis(warmNanos),
                  warmRequests,
                  millis(otherNanos),
                  otherRequests)));
    }
  }

  // ---------------------------------------------------------------- 5: restart on a durable store

  /**
   * Figure 5, restart: what a client on a {@link SqliteStore} fetches (a) on a cold start, (b) on a
   * restart followed by {@code live()} after M messages were appended while it was closed, (c) for
   * a committed window after a restart.
   */
  private void restart() throws Exception {
    int n = options.restartMessages;
    int windows = options.restartWindows;
    int appended = options.restartAppended;
    OrderHistory orders = OrderHistory.create(loopback, "restart-" + n, n, windows);
    String url = orders.url();
    int keys = orders.keys();
    // Batches of `every` changes: the server writes its keyframes between units.
    Offset populated = orders.populateKeyframed(loopback, 0, n);
    List<Loopback.IndexEntry> index = loopback.keyframeIndex(url);
    check(index.size() >= 3, "only " + index.size() + " keyframes in " + url);
    String size = count(n) + " msgs, " + index.size() + " keyframes";

    // The live cursor starts at the latest keyframe, so a committed window is in the store only
    // once the app has read it: (a) reads one, (c) asks for it again and for a neighbour it never
    // read.
    int k = index.size() / 2;
    Instant target = middle(index.get(k), index.get(k + 1));
    Instant neighbour = middle(index.get(k - 1), index.get(k));
    Path dir = Files.createTempDirectory("rstream-restart");
    File file = dir.resolve("app.db").toFile();
    try {
      // (a) cold start on an empty store.
      TrafficCounter cold = new TrafficCounter();
      long t0 = System.nanoTime();
      try (SqliteStore store = openStore(file);
          RStreamClient client = client(url, cold, store)) {
        caughtUpTo(client, populated);
        long coldNanos = System.nanoTime() - t0;
        figures.add(
            Figure.info(
                RESTART,
                "(a) cold start, empty store: live() until caught up",
                size,
                String.format(
                    Locale.ROOT,
                    "%d requests %s, %,d B, %.1f ms",
                    cold.requests(),
                    cold.requested(0),
                    cold.bodyBytes(),
                    millis(coldNanos))));
        long requests = cold.requests();
        long bytes = cold.bodyBytes();
        long t1 = System.nanoTime();
        StateView read = client.window(target).timeout(60, TimeUnit.SECONDS).blockingFirst();
        long readNanos = System.nanoTime() - t1;
        check(!read.fromStore(), "a window never read was answered from the store");
        // The store is written after emitting: close only once its live window reached the end.
        awaitStoredLive(store, url, populated);
        figures.add(
            Figure.info(
                RESTART,
                "(a) then window(ts) of a middle committed window (stored for (c))",
                size,
                String.format(
                    Locale.ROOT,
                    "%d requests, %,d B, %.1f ms (store then holds %,d B of committed windows, %d index entries)",
                    cold.requests() - requests,
                    cold.bodyBytes() - bytes,
                    millis(readNanos),
                    store.committedBytes(),
                    store.keyframes(url).size())));
      }

      // (b) M messages appended while closed, then a restart and live().
      Offset before = populated;
      Offset grown = orders.populate(loopback, n, n + appended);
      Loopback.RawResult added = loopback.rawReadFrom(url, before.value());
      TrafficCounter restarted = new TrafficCounter();
      long t1 = System.nanoTime();
      try (SqliteStore store = openStore(file);
          RStreamClient client = client(url, restarted, store)) {
        StateView first = client.live().timeout(60, TimeUnit.SECONDS).blockingFirst();
        long firstNanos = System.nanoTime() - t1;
        long requestsAtFirst = restarted.requests();
        check(first.fromStore(), "the first view after a restart was not answered from the store");
        caughtUpTo(client, grown);
        long caughtNanos = System.nanoTime() - t1;
        double ratio = (double) restarted.bodyBytes() / added.bodyBytes;
        figures.add(
            Figure.info(
                RESTART,
                "(b) restart + live(): time to the first StateView (fromStore), requests before it",
                size,
                String.format(
                    Locale.ROOT,
                    "%.1f ms, %d requests (store open + client + first view)",
                    millis(firstNanos),
                    requestsAtFirst)));
        figures.add(
            new Figure(
                RESTART,
                "(b) restart + live() until caught up with "
                    + count(appended)
                    + " new msgs: requests, bytes / bytes of the new msgs",
                size,
                String.format(
                    Locale.ROOT,
                    "%d requests %s, %,d B / %,d B = %.2fx, %.1f ms",
                    restarted.requests(),
                    restarted.requested(0),
                    restarted.bodyBytes(),
                    added.bodyBytes,
                    ratio,
                    millis(caughtNanos)),
                "only the new messages (<= 1.2x)",
                ratio <= 1.2));
        awaitStoredLive(store, url, grown);
      }

      // (c) a committed window after a restart.
      TrafficCounter seek = new TrafficCounter();
      long t2 = System.nanoTime();
      try (SqliteStore store = openStore(file);
          RStreamClient client = client(url, seek, store)) {
        // What the reopened store offers the client's index before it asks for anything.
        String storedIndex =
            store.keyframes(url).size()
                + " index entries, next "
                + store.keyframesNext(url).value();
        long t3 = System.nanoTime();
        StateView view = client.window(target).timeout(60, TimeUnit.SECONDS).blockingFirst();
        long seekNanos = System.nanoTime() - t3;
        long openNanos = t3 - t2;
        long seekRequests = seek.requests();
        long seekBytes = seek.bodyBytes();
        check(
            view.timestamp() != null && !view.timestamp().isAfter(target),
            "state at " + view.timestamp() + " for " + target);
        check(
            view.size() == keys, "window state has " + view.size() + " entities, expected " + keys);
        figures.add(
            new Figure(
                RESTART,
                "(c) restart + window(ts) of the committed window read in (a): requests, bytes, latency",
                size,
                String.format(
                    Locale.ROOT,
                    "%d requests %s, %,d B, fromStore %s, %.1f ms (+ %.1f ms store open and client; store had %s)",
                    seekRequests,
                    seek.requested(0),
                    seekBytes,
                    view.fromStore(),
                    millis(seekNanos),
                    millis(openNanos),
                    storedIndex),
                "0 requests",
                seekRequests == 0));
        long t4 = System.nanoTime();
        StateView other = client.window(neighbour).timeout(60, TimeUnit.SECONDS).blockingFirst();
        long otherNanos = System.nanoTime() - t4;
        figures.add(
            Figure.info(
                RESTART,
                "(c) then window(ts) of a neighbour window never read before the restart",
                size,
                String.format(
                    Locale.ROOT,
                    "%d requests %s, %,d B, fromStore %s, %.1f ms",
                    seek.requests() - seekRequests,
                    seek.requested((int) seekRequests),
                    seek.bodyBytes() - seekBytes,
                    other.fromStore(),
                    millis(otherNanos))));
      }
    } finally {
      try (java.util.stream.Stream<Path> files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    }
  }

  private static Instant middle(Loopback.IndexEntry start, Loopback.IndexEntry end) {
    return start.timestamp.plus(Duration.between(start.timestamp, end.timestamp).dividedBy(2));
  }

  /**
   * Large enough that no committed window is evicted: the figure measures the store, not its
   * budget.
   */
  private static final long RESTART_STORE_BYTES = 1L << 40;

  private static SqliteStore openStore(File file) {
    return SqliteStore.builder().file(file).maxWindowBytes(RESTART_STORE_BYTES).build();
  }

  private static void caughtUpTo(RStreamClient client, Offset offset) {
    // A live() subscription keeps the cursor running while awaitOffset waits for it.
    io.reactivex.rxjava3.disposables.Disposable live = client.live().subscribe(v -> {}, e -> {});
    try {
      client.awaitOffset(offset).timeout(600, TimeUnit.SECONDS).blockingAwait();
    } finally {
      live.dispose();
    }
  }

  /** Waits until the store's live window reaches {@code offset}: it is written after emitting. */
  static void awaitStoredLive(LocalStore store, String url, Offset offset)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      LocalStore.StoredWindow live = store.liveWindow(url);
      List<Change> changes = live == null ? List.of() : live.changes();
      Offset end =
          changes.isEmpty()
              ? (live == null ? null : live.baseOffset())
              : changes.get(changes.size() - 1).offset();
      if (end != null && end.compareTo(offset) >= 0) return;
      check(System.nanoTime() < deadline, "store's live window ends at " + end + ", not " + offset);
      Thread.sleep(10); // polls a condition, with a deadline
    }
  }

  // ---------------------------------------------------------------- shared

  private RStreamClient client(String url, TrafficCounter counter) {
    return client(url, counter, null);
  }

  private RStreamClient client(String url, TrafficCounter counter, @Nullable LocalStore store) {
    OkHttpClient http =
        new OkHttpClient.Builder().addInterceptor(counter).readTimeout(0, TimeUnit.SECONDS).build();
    RStreamClient.Builder builder = RStreamClient.builder().streamUrl(url).okHttpClient(http);
    if (store != null) builder.store(store);
    return builder.build();
  }

  /** Subscribes to live() and waits for the first view holding {@code n} entities (caught up). */
  private static StateView caughtUp(RStreamClient client, int n) {
    return client.live().filter(v -> v.size() >= n).timeout(300, TimeUnit.SECONDS).blockingFirst();
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

  private static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static void check(boolean condition, String message) {
    if (!condition) throw new IllegalStateException(message);
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }

  private static String count(int n) {
    if (n >= 1_000_000 && n % 1_000_000 == 0) return n / 1_000_000 + "M";
    if (n >= 1_000 && n % 1_000 == 0) return n / 1_000 + "k";
    return Integer.toString(n);
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  // ---------------------------------------------------------------- report

  static String markdown(
      Options options, List<Figure> figures, Instant started, double loadBefore, double loadAfter) {
    StringBuilder md = new StringBuilder();
    md.append("# rstream benchmarks\n\n");
    md.append(
            "End-to-end figures from `dev.rstream.benchmarks.e2e.EndToEndBenchmarks`: an in-process `server-stub` ")
        .append(
            "(memory store) over loopback, the SDK through its public API, each comparison measured side by side in the same run.\n\n");
    md.append("- Date: ").append(started.truncatedTo(ChronoUnit.SECONDS)).append('\n');
    md.append("- Commit: `").append(commit()).append("`\n");
    Runtime runtime = Runtime.getRuntime();
    md.append("- Machine: ")
        .append(runtime.availableProcessors())
        .append(" cores, ")
        .append(physicalMemoryGb())
        .append(" GB RAM, ")
        .append(System.getProperty("os.name"))
        .append(' ')
        .append(System.getProperty("os.arch"))
        .append('\n');
    md.append("- JVM: ")
        .append(System.getProperty("java.vm.name"))
        .append(' ')
        .append(System.getProperty("java.runtime.version"))
        .append(", max heap ")
        .append(runtime.maxMemory() >> 20)
        .append(" MB, flags `")
        .append(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()))
        .append("`\n");
    // The load says whether the machine was busy; more than half a core beside the run counts.
    md.append(
        String.format(
            Locale.ROOT,
            "- Load average (1 min) at start %.2f, at end %.2f: %s.%n",
            loadBefore,
            loadAfter,
            Math.max(loadBefore, loadAfter) > 1.5
                ? "the machine was shared, other work ran at the same time"
                : "the machine was otherwise quiet"));
    md.append(
        "- Command (from the repository root, after `mvn -B -o -q -pl benchmarks package -DskipTests`):\n\n");
    md.append("  ```\n  java ")
        .append(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()))
        .append(
            " -cp benchmarks/target/benchmarks.jar dev.rstream.benchmarks.e2e.EndToEndBenchmarks ")
        .append(String.join(" ", options.args))
        .append("\n  ```\n\n");
    String section = "";
    for (Figure f : figures) {
      if (!f.section.equals(section)) {
        section = f.section;
        md.append("\n## ")
            .append(section)
            .append("\n\n| figure | size | measured | goal | |\n|---|---|---|---|---|\n");
      }
      md.append("| ")
          .append(f.name)
          .append(" | ")
          .append(f.size)
          .append(" | ")
          .append(f.value)
          .append(" | ")
          .append(f.goal)
          .append(" | ")
          .append(f.verdict())
          .append(" |\n");
    }
    md.append(
            "\n## SSE parsing (JMH)\n\nFrom `dev.rstream.benchmarks.sse.SseParseBenchmark` (JMH): ")
        .append(
            "`java -jar benchmarks/target/benchmarks.jar SseParseBenchmark`. The table is at the end of this file, after the analysis.\n");
    md.append("\n## Elsewhere, and not measured yet\n\n")
        .append(
            "- Server fan-out (100 / 1,000 / 5,000 SSE connections against the Node reference server) comes from ")
        .append(
            "`dev.rstream.benchmarks.fanout.FanoutBenchmark`: its table and command are in the analysis below.\n")
        .append(
            "- Not measured: restart from a `server-stub` data directory (the restart figure restarts the client only).\n");
    md.append("\n## How each figure is taken\n\n")
        .append(
            "1. Catch-up: a state stream of N `insert` changes (about 200 B of JSON each) in one window after its opening keyframe, ")
        .append("populated with JSON-array POSTs of ")
        .append(options.populateBatch)
        .append(" messages. rstream: a new client with no store subscribes ")
        .append(
            "to `live()` and waits for the first view with N entities (what a cold start does). Raw: the same catch-up GETs with ")
        .append(
            "plain OkHttp, page after page, every token visited by Jackson's streaming parser, nothing kept. ")
        .append(
            "The rstream client is built from the raw reader's OkHttpClient (`newBuilder()`), so both read on a warm ")
        .append(
            "connection pool; rstream asks for the next page while it decodes the current one. Best of ")
        .append(options.catchUpRuns)
        .append(" runs each, alternated; ")
        .append("MB/s are decoded JSON bytes.\n")
        .append(
            "2. Live latency: one client (one SSE connection), S subscribers to `live()`; one change per POST, sent open-loop every ")
        .append(options.latencyPacingMillis)
        .append(
            " ms, `System.nanoTime()` at the send put in the change's value and subtracted at each ")
        .append("`onNext` (so it includes the POST). ")
        .append(options.latencyWarmup)
        .append(" warm-up changes are not counted.\n")
        .append("3. Time seek: a state stream with a server keyframe every ")
        .append(options.keyframeEvery)
        .append(
            " changes; `window(ts)` in the middle window on a new client. Requests and decoded bytes counted by an OkHttp ")
        .append(
            "interceptor on the client given to the builder; the window's size is the JSON of its messages (keyframe included).\n")
        .append(
            "4. Memory: used heap after `System.gc()` before building the client and after it caught up with N changes ")
        .append(
            "(client and view held), divided by N (the larger of two runs), against the mean JSON size of a message as served. StateView cost: one POST of ")
        .append(options.emitUpdates)
        .append(
            " updates (one append unit) to a caught-up client, whose `live()` emits one view per unit; ")
        .append("time from sending the POST to that view's `onNext`, divided by the count.\n")
        .append("5. Restart: a state stream of N updates of ")
        .append(
            "at most 1,000 keys, timestamped, populated in batches of N/K changes with a server ")
        .append(
            "keyframe every N/K changes (K windows). Each client has its own OkHttp client with the request/byte counter and a ")
        .append(
            "`SqliteStore` on one file in a temporary directory, `maxWindowBytes` 1 TiB so no committed window is evicted. ")
        .append(
            "(a) an empty store, `live()` until `awaitOffset` of the last append (the live cursor starts at the latest keyframe, so ")
        .append(
            "this reads the index and the last window, not the N messages); then `window(ts)` in the middle window, so that the store ")
        .append("holds one committed window; closed once the store's live window reached the end. ")
        .append(
            "(b) M more messages appended with no client running; a new store on the same file and a new client: time from opening the store ")
        .append(
            "to the first `live()` view (asserted `fromStore()`), then requests and decoded bytes until `awaitOffset` of the last new message, ")
        .append(
            "against the decoded bytes of a plain catch-up read from the old end offset (the M messages and any keyframe among them). ")
        .append(
            "(c) closed and reopened again; `window(ts)` in the middle window read in (a) (goal: no request), then in its neighbour, ")
        .append(
            "never read (for comparison). Latencies include the client's first subscription; store open and client build are given apart.\n");
    return md.toString();
  }

  private static String commit() {
    try {
      Process git =
          new ProcessBuilder("git", "rev-parse", "--short", "HEAD")
              .redirectErrorStream(true)
              .start();
      String out = new String(git.getInputStream().readAllBytes(), UTF_8).trim();
      return git.waitFor() == 0 ? out : "unknown";
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  private static String physicalMemoryGb() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean) {
      long bytes = ((com.sun.management.OperatingSystemMXBean) os).getTotalMemorySize();
      return String.format(Locale.ROOT, "%.1f", bytes / (1024.0 * 1024 * 1024));
    }
    return "?";
  }
}
