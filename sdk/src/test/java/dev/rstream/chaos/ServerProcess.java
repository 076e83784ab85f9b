package dev.rstream.chaos;

import static java.util.concurrent.TimeUnit.SECONDS;

import dev.rstream.server.ServerMain;
import dev.rstream.testing.ChildJvm;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code server-stub} ({@link ServerMain}) as a child JVM on the test's class path, on a fixed port
 * and a durable data directory, so that it can be killed with SIGKILL ({@link ChildJvm#kill()}) and
 * started again on the same port and data. Its output goes to a log file as it comes, each line
 * marked with the start it belongs to. Not thread-safe: one thread starts and kills it.
 */
final class ServerProcess implements Closeable {
  /** A server under load for minutes: the full JIT, a bounded heap, one GC thread. */
  private static final List<String> JVM_OPTIONS =
      List.of("-Xmx512m", "-XX:+UseSerialGC", "-Xshare:auto");

  private final int port;
  private final File dataDir;
  private final List<String> extraArgs;
  private final PrintStream log;
  private @Nullable ChildJvm child;
  private int starts;

  ServerProcess(int port, File dataDir, File logFile, List<String> extraArgs) throws IOException {
    this.port = port;
    this.dataDir = dataDir;
    this.extraArgs = List.copyOf(extraArgs);
    this.log = new PrintStream(logFile, StandardCharsets.UTF_8);
  }

  /** Starts the server and waits until it accepts connections (it prints its URL then). */
  void start() throws IOException, InterruptedException {
    if (child != null) throw new IllegalStateException("already running");
    List<String> args =
        new ArrayList<>(List.of("--port", Integer.toString(port), "--data", dataDir.getPath()));
    args.addAll(extraArgs);
    int start = ++starts;
    ChildJvm started =
        ChildJvm.start(
            JVM_OPTIONS,
            ServerMain.class,
            args,
            line -> {
              synchronized (log) {
                log.println("[start " + start + "] " + line);
              }
            });
    child = started;
    if (started.awaitLine(line -> line.startsWith("http://"), 60, SECONDS) == null) {
      String exit = started.waitFor(5, SECONDS) ? "exited with " + started.exitValue() : "running";
      kill();
      throw new IOException("server-stub did not start on port " + port + " (" + exit + ")");
    }
  }

  /** SIGKILL, then waits until the process is gone and its output logged. */
  void kill() throws InterruptedException {
    ChildJvm running = child;
    if (running == null) return;
    child = null;
    running.kill();
    if (!running.waitFor(30, SECONDS)) throw new IllegalStateException("server-stub did not die");
  }

  boolean running() {
    return child != null;
  }

  int port() {
    return port;
  }

  @Override
  public void close() {
    try {
      kill();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.close();
  }
}
