package dev.rstream.benchmarks.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * The end-to-end suite's Markdown report: the run's machine, command and figures table, and how
 * each figure is taken. Stateless.
 */
final class SuiteReport {
  /** Keeps what follows it in an existing BENCHMARKS.md across runs (hand-written analysis). */
  static final String ANALYSIS_MARKER = "<!-- analysis: kept across runs -->";

  private SuiteReport() {}

  /**
   * Writes {@code report} to {@code file}, keeping whatever follows {@link #ANALYSIS_MARKER} in the
   * file there already.
   */
  static void write(Path file, String report) throws IOException {
    String kept = "";
    if (Files.exists(file)) {
      String old = Files.readString(file, UTF_8);
      int at = old.indexOf(ANALYSIS_MARKER);
      if (at >= 0) kept = old.substring(at + ANALYSIS_MARKER.length());
    }
    Files.writeString(file, report + "\n" + ANALYSIS_MARKER + kept, UTF_8);
  }

  /** The report of one run, its figures grouped by section. */
  static String markdown(
      EndToEndBenchmarks.Options options,
      List<Figure> figures,
      Instant started,
      double loadBefore,
      double loadAfter) {
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
