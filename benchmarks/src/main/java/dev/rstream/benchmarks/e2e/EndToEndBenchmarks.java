package dev.rstream.benchmarks.e2e;

import static dev.rstream.benchmarks.e2e.SuiteKit.loadAverage;
import static dev.rstream.benchmarks.e2e.SuiteKit.seconds;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
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

  private EndToEndBenchmarks() {}

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
    String report = SuiteReport.markdown(options, figures, started, loadBefore, loadAfter);
    System.out.println(report);
    Path write = options.write;
    if (write != null) {
      SuiteReport.write(write, report);
      System.out.println("wrote " + write.toAbsolutePath());
    }
    System.exit(0); // Rx and OkHttp keep non-daemon threads alive for a while after close.
  }

  /** Runs every figure and returns the rows; throws if a run's counts are inconsistent. */
  static List<Figure> run(Options options) throws Exception {
    try (SuiteKit kit = new SuiteKit(options)) {
      if (options.runs("catch-up") || options.runs("memory")) {
        EmissionCost emission = new EmissionCost(kit);
        CatchUpFigures catchUp = new CatchUpFigures(kit, emission);
        phase("warm-up", catchUp::warmUp);
        for (int size : options.sizes) phase("catch-up " + size, () -> catchUp.measure(size));
        emission.addRows();
      }
      if (options.runs("latency")) {
        kit.freshServer();
        LatencyFigures latency = new LatencyFigures(kit);
        for (int subscribers : options.subscribers)
          phase("latency " + subscribers, () -> latency.measure(subscribers));
      }
      if (options.runs("seek")) {
        kit.freshServer();
        SeekFigures seek = new SeekFigures(kit);
        for (int size : options.sizes) phase("seek " + size, () -> seek.measure(size));
      }
      if (options.runs("restart")) {
        kit.freshServer();
        phase("restart " + options.restartMessages, new RestartFigures(kit)::measure);
      }
      // Grouped by section, in the order of the brief; rows keep their run order within one.
      List<Figure> sorted = kit.figures();
      sorted.sort(Comparator.comparing(f -> f.section));
      return sorted;
    }
  }

  private interface Phase {
    void run() throws Exception;
  }

  private static void phase(String name, Phase phase) throws Exception {
    long t0 = System.nanoTime();
    phase.run();
    System.err.printf(
        Locale.ROOT,
        "[e2e] %s: %.1f s, load %.2f%n",
        name,
        seconds(System.nanoTime() - t0),
        loadAverage());
  }
}
