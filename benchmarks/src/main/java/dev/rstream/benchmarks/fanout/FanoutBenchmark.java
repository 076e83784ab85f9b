package dev.rstream.benchmarks.fanout;

import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Server fan-out: {@code N} SSE connections on one JSON stream while one writer appends {@code R}
 * messages a second; delivery latency from the append (just before its POST) to the receipt on each
 * connection, and what the server holds (heap after a full GC, RSS, threads) with the connections
 * open. server-stub and the Durable Streams Node reference server run the same workload in the same
 * run, each in a child process, driven by the same raw client ({@link SseCrowd}). Then a catch-up
 * read of {@code M} messages from each, with the same plain HTTP client and Jackson's streaming
 * parser.
 *
 * <p>Usage (from the repository root, after {@code mvn -B -o -q -pl benchmarks package
 * -DskipTests}): {@code java -cp benchmarks/target/benchmarks.jar
 * dev.rstream.benchmarks.fanout.FanoutBenchmark [--connections 100,1000,5000] [--rate 100]
 * [--seconds 10] [--warmup-seconds 2] [--catch-up 100000] [--servers stub,node] [--client-threads
 * 1] [--stub-heap 1g] [--stub-jvm-flags "..."] [--node-dir benchmarks/fanout-node]}. Prints a
 * Markdown table.
 */
public final class FanoutBenchmark {
  private static final String NOTE = "x".repeat(64);

  private FanoutBenchmark() {}

  /** Command-line options; every one has a default. */
  static final class Options {
    List<Integer> connections = List.of(100, 1000, 5000);
    int rate = 100;
    int seconds = 10;
    int warmupSeconds = 2;
    int catchUp = 100_000;
    int catchUpRuns = 3;
    List<String> servers = List.of("stub", "node");
    int clientThreads = 1;
    String stubHeap = "1g";

    /** Extra JVM flags for the server-stub child, space-separated (e.g. a JFR recording). */
    String stubJvmFlags = "";

    Path nodeDir = Path.of("benchmarks", "fanout-node");

    static Options parse(String... args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String name = args[i];
        if (i + 1 >= args.length) throw new IllegalArgumentException(name + " needs a value");
        String value = args[++i];
        switch (name) {
          case "--connections" -> o.connections = ints(value);
          case "--rate" -> o.rate = Integer.parseInt(value);
          case "--seconds" -> o.seconds = Integer.parseInt(value);
          case "--warmup-seconds" -> o.warmupSeconds = Integer.parseInt(value);
          case "--catch-up" -> o.catchUp = Integer.parseInt(value);
          case "--catch-up-runs" -> o.catchUpRuns = Integer.parseInt(value);
          case "--servers" -> o.servers = Arrays.asList(value.split(","));
          case "--client-threads" -> o.clientThreads = Integer.parseInt(value);
          case "--stub-heap" -> o.stubHeap = value;
          case "--stub-jvm-flags" -> o.stubJvmFlags = value;
          case "--node-dir" -> o.nodeDir = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option " + name);
        }
      }
      for (String server : o.servers) {
        if (!server.equals("stub") && !server.equals("node"))
          throw new IllegalArgumentException("unknown server " + server);
      }
      return o;
    }

    private static List<Integer> ints(String value) {
      return Arrays.stream(value.split(","))
          .map(String::trim)
          .map(Integer::valueOf)
          .collect(Collectors.toList());
    }

    String command() {
      return "java -cp benchmarks/target/benchmarks.jar dev.rstream.benchmarks.fanout.FanoutBenchmark --connections "
          + connections.stream().map(String::valueOf).collect(Collectors.joining(","))
          + " --rate "
          + rate
          + " --seconds "
          + seconds
          + " --warmup-seconds "
          + warmupSeconds
          + " --catch-up "
          + catchUp
          + " --servers "
          + String.join(",", servers)
          + " --client-threads "
          + clientThreads;
    }
  }

  /** One fan-out run: a server, a connection count, what was delivered and what the server held. */
  record FanoutRow(
      String server,
      int connections,
      int ready,
      long expected,
      long received,
      long outOfOrder,
      int closedEarly,
      boolean allReachedLast,
      double appendsPerSecond,
      double p50,
      double p99,
      double p999,
      double max,
      long serverCpuNanos,
      long clientCpuNanos,
      ServerProcess.Stats stats) {
    /** Server CPU per delivered message, in microseconds; NaN when unknown. */
    double cpuMicrosPerDelivery() {
      return serverCpuNanos < 0 || received == 0 ? Double.NaN : serverCpuNanos / 1e3 / received;
    }

    /** The load generator's reading threads' CPU per delivered message, in microseconds. */
    double clientCpuMicrosPerDelivery() {
      return received == 0 ? Double.NaN : clientCpuNanos / 1e3 / received;
    }
  }

  /** One catch-up read of the whole stream: the best of the runs. */
  record CatchUpRow(String server, long messages, int requests, long bytes, long bestNanos) {
    double messagesPerSecond() {
      return messages / (bestNanos / 1e9);
    }

    double megabytesPerSecond() {
      return bytes / 1e6 / (bestNanos / 1e9);
    }
  }

  /** Everything one run measured. */
  record Report(
      Options options,
      List<FanoutRow> fanout,
      List<CatchUpRow> catchUp,
      double loadBefore,
      double loadAfter) {}

  /**
   * Runs the figure with the options in {@code args} and prints the Markdown table to standard
   * output (progress goes to standard error). Installs the Node server with {@code npm ci} in
   * {@code --node-dir} on first use; exits with status 2 on a bad option.
   */
  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bad argument: " + e.getMessage());
      System.exit(2);
      return;
    }
    Report report = run(options);
    System.out.println(FanoutTable.markdown(report));
  }

  /** Runs every server through every connection count, then the catch-up read of each. */
  static Report run(Options options) throws Exception {
    double loadBefore = load();
    List<ServerProcess> servers = new ArrayList<>();
    List<FanoutRow> fanout = new ArrayList<>();
    List<CatchUpRow> catchUp = new ArrayList<>();
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    try {
      for (String name : options.servers) {
        servers.add(
            name.equals("stub")
                ? ServerProcess.stub(options.stubHeap, options.stubJvmFlags)
                : ServerProcess.node(options.nodeDir));
      }
      int run = 0;
      // Sizes outermost, servers inner: both servers see the machine in the same state.
      for (int connections : options.connections) {
        for (ServerProcess server : servers) {
          log("%s, %,d connections", server.name, connections);
          fanout.add(
              fanout(options, http, server, connections, "fanout-" + connections + "-" + run++));
        }
      }
      for (ServerProcess server : servers) {
        log("%s, catch-up of %,d messages", server.name, options.catchUp);
        catchUp.add(catchUp(options, http, server));
      }
    } finally {
      for (ServerProcess server : servers) server.close();
    }
    return new Report(options, fanout, catchUp, loadBefore, load());
  }

  private static FanoutRow fanout(
      Options options, HttpClient http, ServerProcess server, int connections, String name)
      throws Exception {
    String url = server.streamUrl(name);
    RawStreamCalls.create(http, url);
    int warmup = options.rate * options.warmupSeconds;
    int total = warmup + options.rate * options.seconds;
    AtomicLongArray sent = new AtomicLongArray(total);
    SseCrowd crowd = new SseCrowd(sent, warmup, options.clientThreads);
    SseCrowd.Result result;
    boolean allReachedLast;
    double appendsPerSecond;
    int appended;
    ServerProcess.Stats stats;
    long cpuBefore = server.cpuNanos();
    long cpuAfter;
    try {
      crowd.connect(url, connections, 60, TimeUnit.SECONDS);
      if (crowd.ready() < connections) {
        log(
            "only %,d of %,d connections answered 200 (%d refused)",
            crowd.ready(), connections, crowd.refused());
      }
      long period = TimeUnit.SECONDS.toNanos(1) / options.rate;
      long start = System.nanoTime();
      // One POST at a time keeps the messages in sequence order on the stream. A server that
      // answers slower than the rate lowers the rate instead (the table shows the rate reached);
      // past twice the planned time the run stops appending, so an overloaded server ends.
      long stopAt = start + 2 * (total * period);
      appended = 0;
      while (appended < total && System.nanoTime() < stopAt) {
        long wait = start + appended * period - System.nanoTime();
        if (wait > 0) LockSupport.parkNanos(wait);
        sent.set(appended, System.nanoTime());
        RawStreamCalls.append(http, url, "{\"seq\":" + appended + ",\"note\":\"" + NOTE + "\"}");
        appended++;
      }
      appendsPerSecond = (appended - 1) / ((sent.get(appended - 1) - sent.get(0)) / 1e9);
      if (appended < total)
        log(
            "%s reached only %d of %d appends in twice the planned time",
            server.name, appended, total);
      allReachedLast = crowd.awaitLast(appended - 1, 30, TimeUnit.SECONDS);
      cpuAfter = server.cpuNanos();
      // Taken with every connection still open: what holding them costs.
      stats = server.stats();
    } finally {
      crowd.close();
    }
    result = crowd.result();
    // A server notices a closed idle SSE connection only when it next writes to it (server-stub's
    // heartbeat is 15 s): deleting the stream ends every session on it now.
    RawStreamCalls.delete(http, url);
    awaitReleased(server);
    return new FanoutRow(
        server.name,
        connections,
        crowd.ready(),
        (long) crowd.ready() * appended,
        result.received(),
        result.outOfOrder(),
        crowd.closedEarly(),
        allReachedLast,
        appendsPerSecond,
        result.percentileMillis(50),
        result.percentileMillis(99),
        result.percentileMillis(99.9),
        result.percentileMillis(100),
        cpuBefore < 0 ? -1 : cpuAfter - cpuBefore,
        result.clientCpuNanos(),
        stats);
  }

  /** server-stub says how many live readers it holds: the next run starts once they are gone. */
  private static void awaitReleased(ServerProcess server) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      int live = server.stats().liveReaders();
      if (live <= 0) return;
      TimeUnit.MILLISECONDS.sleep(200);
    }
    log("%s still holds live readers after 30 s", server.name);
  }

  private static CatchUpRow catchUp(Options options, HttpClient http, ServerProcess server)
      throws Exception {
    String url = server.streamUrl("catchup-" + options.catchUp);
    RawStreamCalls.create(http, url);
    int batch = 1000;
    for (int from = 0; from < options.catchUp; from += batch) {
      StringBuilder body = new StringBuilder(batch * 100).append('[');
      for (int i = from; i < Math.min(options.catchUp, from + batch); i++) {
        if (i > from) body.append(',');
        body.append("{\"seq\":").append(i).append(",\"note\":\"").append(NOTE).append("\"}");
      }
      RawStreamCalls.append(http, url, body.append(']').toString());
    }
    CatchUpRow best = null;
    for (int run = 0; run < options.catchUpRuns; run++) {
      CatchUpRow row = RawStreamCalls.readAll(http, server.name, url);
      if (row.messages() != options.catchUp) {
        throw new IllegalStateException(
            server.name + " served " + row.messages() + " messages, expected " + options.catchUp);
      }
      if (best == null || row.bestNanos() < best.bestNanos()) best = row;
    }
    return best;
  }

  private static double load() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static void log(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[fanout] " + format + "%n", args);
  }
}
