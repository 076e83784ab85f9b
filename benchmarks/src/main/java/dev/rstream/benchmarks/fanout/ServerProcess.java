package dev.rstream.benchmarks.fanout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server under test in a child process: server-stub ({@link StubChild}, its own JVM) or the
 * Durable Streams Node reference server. Both print {@code listening <url>} when ready, answer
 * {@code stats} on standard input after a full GC, and stop when standard input ends.
 *
 * <p>Not thread-safe: one benchmark thread drives it. {@link #close} stops the child.
 */
public final class ServerProcess implements AutoCloseable {
  /**
   * Starts the Node server in memory with its defaults (compression is only used when a client asks
   * for it, and the benchmark's clients never do). Runs with {@code --expose-gc} so that its heap
   * figure is taken after a full GC, like server-stub's.
   */
  private static final String NODE_SCRIPT =
      String.join(
          "\n",
          "import { DurableStreamTestServer } from '@durable-streams/server';",
          "import { createInterface } from 'node:readline';",
          "const server = new DurableStreamTestServer({ port: 0, host: '127.0.0.1' });",
          "const url = await server.start();",
          "console.log('listening ' + url);",
          "const lines = createInterface({ input: process.stdin });",
          "lines.on('line', (line) => {",
          "  if (line !== 'stats') return;",
          "  global.gc();",
          "  console.log('stats ' + process.memoryUsage().heapUsed + ' 0 -1 -1');",
          "});",
          "lines.on('close', () => process.exit(0));");

  /**
   * The child's heap after a full GC, resident memory and OS threads (/proc), Java threads (0 for
   * Node) and the live readers server-stub holds (-1 for Node, which does not say).
   */
  record Stats(long heapBytes, long rssBytes, int osThreads, int javaThreads, int liveReaders) {}

  final String name;
  final String baseUrl;
  private final Process process;
  private final BufferedReader out;
  private final Writer in;

  private ServerProcess(String name, Process process) throws IOException {
    this.name = name;
    this.process = process;
    this.out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    String ready = readLine("listening ");
    this.baseUrl = ready.substring("listening ".length()).trim();
  }

  /**
   * server-stub in a child JVM with {@code heap} as its {@code -Xmx} (e.g. {@code 1g}) and {@code
   * extraFlags} (space-separated JVM flags, may be empty).
   */
  static ServerProcess stub(String heap, String extraFlags) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xmx" + heap, "-XX:+UseG1GC"));
    for (String flag : extraFlags.trim().split("\\s+")) {
      if (!flag.isEmpty()) command.add(flag);
    }
    command.addAll(
        List.of("-cp", System.getProperty("java.class.path"), StubChild.class.getName()));
    return new ServerProcess("server-stub", start(new ProcessBuilder(command)));
  }

  /**
   * The Node reference server, from {@code nodeDir} (which holds the pinned package.json and
   * package-lock.json); installs it with {@code npm ci} first when it is not installed yet.
   */
  public static ServerProcess node(Path nodeDir) throws IOException, InterruptedException {
    Path installed = nodeDir.resolve("node_modules/@durable-streams/server/package.json");
    if (!Files.exists(installed)) {
      Process npm =
          new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
              .directory(nodeDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.INHERIT)
              .start();
      if (npm.waitFor() != 0) throw new IOException("npm ci failed in " + nodeDir);
    }
    String version =
        Files.readString(installed).replaceAll("(?s).*\"version\"\\s*:\\s*\"([^\"]+)\".*", "$1");
    // An inline module resolves its imports from the working directory.
    ProcessBuilder builder =
        new ProcessBuilder("node", "--expose-gc", "--input-type=module", "-e", NODE_SCRIPT)
            .directory(nodeDir.toFile());
    return new ServerProcess("Node @durable-streams/server " + version, start(builder));
  }

  private static Process start(ProcessBuilder builder) throws IOException {
    return builder.redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  /**
   * The URL of the stream named {@code name}: both servers serve any path, ours under /v1/stream/.
   */
  public String streamUrl(String name) {
    return baseUrl + "/v1/stream/" + name;
  }

  long pid() {
    return process.pid();
  }

  /** Asks the child for its heap after a full GC, and reads its memory and threads from /proc. */
  Stats stats() throws IOException {
    in.write("stats\n");
    in.flush();
    String[] parts = readLine("stats ").trim().split(" ");
    long heap = Long.parseLong(parts[1]);
    int javaThreads = Integer.parseInt(parts[2]);
    int liveReaders = Integer.parseInt(parts[3]);
    long rss = -1;
    int threads = -1;
    Path status = Path.of("/proc", Long.toString(process.pid()), "status");
    if (Files.isReadable(status)) {
      List<String> lines = Files.readAllLines(status);
      for (String line : lines) {
        if (line.startsWith("VmRSS:")) rss = 1024 * Long.parseLong(line.replaceAll("\\D", ""));
        if (line.startsWith("Threads:")) threads = Integer.parseInt(line.replaceAll("\\D", ""));
      }
    }
    return new Stats(heap, rss, threads, javaThreads, liveReaders);
  }

  /**
   * CPU time the child used so far (user + system, from /proc), in nanoseconds; -1 where /proc is
   * not there. Taken around a run, it gives the server's own cost per delivered message, which a
   * shared machine's load does not inflate the way it inflates latency.
   */
  long cpuNanos() throws IOException {
    Path stat = Path.of("/proc", Long.toString(process.pid()), "stat");
    if (!Files.isReadable(stat)) return -1;
    String text = Files.readString(stat);
    // Fields after the command name, which is in parentheses and may hold spaces.
    String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    return ticks * (1_000_000_000L / CLOCK_TICKS);
  }

  /** USER_HZ: 100 on every Linux this runs on (sysconf is out of Java's reach). */
  private static final long CLOCK_TICKS = 100;

  private String readLine(String prefix) throws IOException {
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith(prefix)) return line;
    }
    throw new IOException(name + " exited (" + exitCode() + ") before printing '" + prefix + "'");
  }

  private String exitCode() {
    try {
      return process.waitFor(5, TimeUnit.SECONDS)
          ? Integer.toString(process.exitValue())
          : "still running";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Ends standard input (the stop signal), then kills the child if it has not exited in 10 s. */
  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException ignored) {
      // Already gone: waitFor below sees it.
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
