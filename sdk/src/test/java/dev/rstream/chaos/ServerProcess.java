package dev.rstream.chaos;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * {@code server-stub} ({@code dev.rstream.server.ServerMain}) as a child JVM on the test's class
 * path, on a fixed port and a durable data directory, so that it can be killed with SIGKILL ({@link
 * Process#destroyForcibly()}) and started again on the same port and data. Its output goes to a log
 * file. Not thread-safe: one thread starts and kills it.
 */
final class ServerProcess implements Closeable {
  private final int port;
  private final File dataDir;
  private final List<String> extraArgs;
  private final PrintStream log;
  private @Nullable Process process;
  private int starts;

  ServerProcess(int port, File dataDir, File logFile, List<String> extraArgs) throws IOException {
    this.port = port;
    this.dataDir = dataDir;
    this.extraArgs = List.copyOf(extraArgs);
    this.log = new PrintStream(logFile, StandardCharsets.UTF_8);
  }

  /** Starts the server and waits until it accepts connections (it prints its URL then). */
  void start() throws IOException, InterruptedException {
    if (process != null) throw new IllegalStateException("already running");
    String java = new File(System.getProperty("java.home"), "bin/java").getPath();
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-Xshare:auto",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.rstream.server.ServerMain",
                "--port",
                Integer.toString(port),
                "--data",
                dataDir.getPath()));
    command.addAll(extraArgs);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Process started = builder.start();
    process = started;
    int start = ++starts;
    CompletableFuture<String> url = new CompletableFuture<>();
    Thread drain =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  if (!url.isDone() && line.startsWith("http://")) url.complete(line);
                  synchronized (log) {
                    log.println("[start " + start + "] " + line);
                  }
                }
              } catch (IOException ignored) {
                // killed
              }
              url.completeExceptionally(new IOException("server exited with " + exitCode(started)));
            },
            "soak-server-output-" + start);
    drain.setDaemon(true);
    drain.start();
    try {
      url.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      kill();
      throw new IOException("server-stub did not start on port " + port, e);
    }
  }

  private static String exitCode(Process process) {
    try {
      return Integer.toString(process.waitFor(5, TimeUnit.SECONDS) ? process.exitValue() : -1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  /** SIGKILL, then waits until the process is gone. */
  void kill() throws InterruptedException {
    Process running = process;
    if (running == null) return;
    process = null;
    running.destroyForcibly();
    if (!running.waitFor(30, TimeUnit.SECONDS))
      throw new IllegalStateException("server-stub did not die");
  }

  boolean running() {
    return process != null;
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
