package dev.rstream.chaos;

import dev.rstream.Offset;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A soak run in figures, for a person reading the build's output: the seed to replay it, the log,
 * the producer, the faults of each kind, the clients' recovery times, heap, threads and
 * connections, known bugs and the first violations.
 */
final class SoakSummary {
  private final SoakRig rig;
  private final StringBuilder out = new StringBuilder();

  private SoakSummary(SoakRig rig) {
    this.rig = rig;
  }

  /**
   * The summary of {@code rig}'s run, ended at {@code tail} with {@code acknowledged} appends
   * acknowledged, {@code missing} of them not in the log, {@code connectionsLeft} connections open
   * after every client closed, and {@code undeliveredErrors} Rx errors with nowhere to go.
   */
  static String of(
      SoakRig rig,
      Offset tail,
      int acknowledged,
      int missing,
      int connectionsLeft,
      int undeliveredErrors) {
    return new SoakSummary(rig)
        .write(tail, acknowledged, missing, connectionsLeft, undeliveredErrors);
  }

  /** Prints {@code summary} to standard output and to {@code file}. */
  static void publish(String summary, File file) throws IOException {
    System.out.println(summary);
    try (PrintStream out = new PrintStream(file, StandardCharsets.UTF_8)) {
      out.println(summary);
    }
  }

  private String write(
      Offset tail, int acknowledged, int missing, int connectionsLeft, int undeliveredErrors) {
    SoakSettings settings = rig.settings;
    LogReplica replica = rig.replica;
    FaultProxy proxy = rig.proxy;
    ClientFigures clients = rig.clientFigures;
    ResourceWatch resources = rig.resources;
    SoakFindings findings = rig.findings;
    List<Long> latencies = clients.faultToStateNanos();
    List<Long> kills = clients.killToStateNanos();
    out.append("=== chaos soak summary ===\n");
    line("seed                 %d (-Dsoak.seed=%d)%n", settings.seed(), settings.seed());
    line(
        "duration             %.1f min, fault rate %.2f per exchange, %.2f per live read%n",
        settings.minutes(), settings.faultRate(), settings.liveFaultRate());
    line(
        "machine              %d cores, %s %s, Java %s%n",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        System.getProperty("java.version"));
    line(
        "log                  %d changes, %d keyframes, tail %s%n",
        replica.changes(), replica.keyframes(), tail);
    line(
        "producer             %d appended, %d acknowledged, %d acknowledged missing, %d duplicates%n",
        rig.producer.appended(), acknowledged, missing, replica.duplicates());
    line(
        "proxy                %d connections, %d exchanges (%d live reads), %d faults%n",
        proxy.connectionsAccepted(), proxy.exchanges(), proxy.liveExchanges(), proxy.totalFaults());
    proxy.counts().forEach((fault, count) -> line("  %-22s %d%n", fault, count));
    line("server restarts      %d (SIGKILL)%n", rig.schedule.serverRestarts());
    line("client reopens       %d%n", clients.reopens.get());
    line(
        "token expiries       %d (server's token rotated), %d renewals after a 401%n",
        rig.tokens.rotations() - 1, rig.tokens.renewals());
    line(
        "log records checked  %d for tokens (SDK log); server log checked too%n",
        rig.leakCheck.recordsChecked());
    line("reconnects           %d (live progress RECONNECTING)%n", clients.reconnects.get());
    line(
        "subscriptions        %d, views checked %d%n",
        clients.subscriptions.get(), rig.verifier.checked());
    WindowAsker.Figures windows = rig.windows.figures();
    line(
        "window(ts)           %d asked, %d checked, %d abandoned by a reopen%n",
        windows.asked(), windows.checked(), windows.abandoned());
    line(
        "fault -> first state p50 %s, p99 %s, max %s over %d faults%n",
        millis(latencies, 0.50), millis(latencies, 0.99), millis(latencies, 1.0), latencies.size());
    line(
        "  of which after a server kill (down time included): p50 %s, p99 %s over %d%n",
        millis(kills, 0.50), millis(kills, 0.99), kills.size());
    ResourceWatch.Sample baseline = resources.baseline();
    ResourceWatch.Sample last = resources.last();
    line(
        "heap after GC        %.1f MB at %d changes -> %.1f MB at %d changes (%.0f B per change per client)%n",
        baseline.heapBytes() / 1e6,
        baseline.changes(),
        last.heapBytes() / 1e6,
        last.changes(),
        resources.heapBytesPerChangePerClient());
    line(
        "threads              %d at baseline, %d at the end, at most %d (proxy's own excluded)%n",
        baseline.threads(), last.threads(), resources.maxThreads());
    line(
        "connections          at most %d open at once, %d left after close%n",
        resources.maxConnections(), connectionsLeft);
    line("undelivered Rx errors %d%n", undeliveredErrors);
    line("known bugs           %s%n", findings.knownBugs().isEmpty() ? "none seen" : "");
    findings.knownBugs().forEach((bug, count) -> line("  %-50s %d%n", bug, count.get()));
    line("violations           %d%n", findings.violationCount());
    int shown = 0;
    for (String violation : findings.violations()) {
      if (shown++ == 30) break;
      out.append("  ").append(violation).append('\n');
    }
    return out.toString();
  }

  private void line(String format, Object... args) {
    out.append(String.format(Locale.ROOT, format, args));
  }

  /** The {@code quantile} of {@code sorted} nanoseconds, in milliseconds, or "-" if none. */
  private static String millis(List<Long> sorted, double quantile) {
    if (sorted.isEmpty()) return "-";
    int index = (int) Math.min(sorted.size() - 1, Math.ceil(quantile * sorted.size()) - 1);
    return String.format(
        Locale.ROOT, "%d ms", TimeUnit.NANOSECONDS.toMillis(sorted.get(Math.max(0, index))));
  }
}
