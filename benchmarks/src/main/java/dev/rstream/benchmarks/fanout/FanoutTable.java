package dev.rstream.benchmarks.fanout;

import dev.rstream.benchmarks.fanout.FanoutBenchmark.CatchUpRow;
import dev.rstream.benchmarks.fanout.FanoutBenchmark.FanoutRow;
import dev.rstream.benchmarks.fanout.FanoutBenchmark.Options;
import dev.rstream.benchmarks.fanout.FanoutBenchmark.Report;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The fan-out figure's Markdown: the command, the machine, both tables and the ratios. Stateless.
 */
final class FanoutTable {
  private FanoutTable() {}

  /** The report as Markdown: the command, the machine, both tables and the ratios. */
  static String markdown(Report report) {
    Options o = report.options();
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "%s; %d cores; load average (1 min) %.2f at start, %.2f at end.%n%n",
            Instant.now(),
            Runtime.getRuntime().availableProcessors(),
            report.loadBefore(),
            report.loadAfter()));
    md.append("```\n").append(o.command()).append("\n```\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Fan-out: N SSE connections (`offset=now`) on one JSON stream, %d appends/s of ~90 B for %d s after %d s of"
                + " warm-up; latency from just before each POST to its receipt on each connection. Server CPU: the"
                + " child's user + system time from before connecting to the last delivery, per delivered message;"
                + " client: the CPU time of the threads that read the connections, per delivered message."
                + " Heap after a full GC and RSS with every connection still open.%n%n",
            o.rate,
            o.seconds,
            o.warmupSeconds));
    md.append(
        "| server | connections | delivered | appends/s | p50 | p99 | p99.9 | max | CPU / delivery: server, client | heap after GC | RSS | threads OS / Java | goal |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (FanoutRow r : report.fanout()) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d (%,d open) | %,d / %,d%s | %.1f | %s | %s | %s | %s | %.1f us, %.1f us | %.1f MB | %.1f MB | %d / %s | %s |%n",
              r.server(),
              r.connections(),
              r.ready(),
              r.received(),
              r.expected(),
              problems(r),
              r.appendsPerSecond(),
              ms(r.p50()),
              ms(r.p99()),
              ms(r.p999()),
              ms(r.max()),
              r.cpuMicrosPerDelivery(),
              r.clientCpuMicrosPerDelivery(),
              r.stats().heapBytes() / 1e6,
              r.stats().rssBytes() / 1e6,
              r.stats().osThreads(),
              r.stats().javaThreads() > 0 ? Integer.toString(r.stats().javaThreads()) : "-",
              goal(r)));
    }
    List<String> ratios = new ArrayList<>();
    for (int connections : o.connections) {
      FanoutRow stub = find(report.fanout(), "server-stub", connections);
      FanoutRow node = find(report.fanout(), "Node", connections);
      if (stub != null && node != null) {
        ratios.add(
            String.format(
                Locale.ROOT,
                "%,d connections: Node / server-stub p99 %.2fx, p50 %.2fx, appends/s reached %.2fx, server CPU per delivery %.2fx",
                connections,
                node.p99() / stub.p99(),
                node.p50() / stub.p50(),
                node.appendsPerSecond() / stub.appendsPerSecond(),
                node.cpuMicrosPerDelivery() / stub.cpuMicrosPerDelivery()));
      }
    }
    if (!ratios.isEmpty()) md.append('\n').append(String.join("; ", ratios)).append(".\n");
    md.append(
        String.format(
            Locale.ROOT,
            "%nCatch-up: %,d messages (~90 B each, appended 1,000 per POST) read from `-1` to the tail with the JDK"
                + " HttpClient, each body parsed with Jackson's streaming parser; best of %d.%n%n",
            o.catchUp,
            o.catchUpRuns));
    md.append(
        "| server | messages | requests | bytes | time | msg/s | MB/s |\n|---|---|---|---|---|---|---|\n");
    for (CatchUpRow r : report.catchUp()) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %,d | %,d | %.1f ms | %,.0f | %.1f |%n",
              r.server(),
              r.messages(),
              r.requests(),
              r.bytes(),
              r.bestNanos() / 1e6,
              r.messagesPerSecond(),
              r.megabytesPerSecond()));
    }
    CatchUpRow stub =
        report.catchUp().stream()
            .filter(r -> r.server().equals("server-stub"))
            .findFirst()
            .orElse(null);
    CatchUpRow node =
        report.catchUp().stream()
            .filter(r -> r.server().startsWith("Node"))
            .findFirst()
            .orElse(null);
    if (stub != null && node != null) {
      md.append(
          String.format(
              Locale.ROOT,
              "%nCatch-up throughput server-stub / Node = %.2fx.%n",
              stub.messagesPerSecond() / node.messagesPerSecond()));
    }
    return md.toString();
  }

  private static String ms(double millis) {
    return Double.isNaN(millis) ? "n/a" : String.format(Locale.ROOT, "%.2f ms", millis);
  }

  private static String problems(FanoutRow r) {
    List<String> problems = new ArrayList<>();
    if (r.outOfOrder() > 0) problems.add(r.outOfOrder() + " out of order");
    if (r.closedEarly() > 0) problems.add(r.closedEarly() + " closed early");
    if (!r.allReachedLast()) problems.add("last not seen everywhere");
    return problems.isEmpty() ? "" : " (" + String.join(", ", problems) + ")";
  }

  private static String goal(FanoutRow r) {
    if (!r.server().equals("server-stub") || r.connections() < 5000) return "";
    boolean met = r.ready() == r.connections() && r.received() == r.expected() && r.p99() < 50;
    return "5,000 held, p99 < 50 ms: " + (met ? "met" : "NOT met");
  }

  private static @Nullable FanoutRow find(List<FanoutRow> rows, String server, int connections) {
    for (FanoutRow r : rows) {
      if (r.server().startsWith(server) && r.connections() == connections) return r;
    }
    return null;
  }
}
