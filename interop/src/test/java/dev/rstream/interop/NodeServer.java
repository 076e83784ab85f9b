package dev.rstream.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The Durable Streams Node reference server ({@code @durable-streams/server}, the version pinned by
 * {@code interop/node-server/package-lock.json}) in a child process with its file store in {@code
 * dataDir}, on 127.0.0.1 and a free port. Installs it with {@code npm ci} first when it is not
 * installed or the lock file changed since, as the conformance suite's run.sh does. {@link #close}
 * ends its standard input (it stops) and kills it if it lingers.
 */
final class NodeServer implements AutoCloseable {
  private static final Path DIR = Path.of("node-server").toAbsolutePath();

  private final Process process;
  final String baseUrl;

  private NodeServer(Process process, String baseUrl) {
    this.process = process;
    this.baseUrl = baseUrl;
  }

  /** Installs (if needed) and starts the server; returns once it listens. */
  static NodeServer start(Path dataDir) throws IOException, InterruptedException {
    install();
    Process process =
        new ProcessBuilder("node", "server.mjs", dataDir.toString())
            .directory(DIR.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("listening ")) {
        // Later output is not read: the server logs nothing to standard output after this.
        return new NodeServer(process, line.substring("listening ".length()).trim());
      }
    }
    process.waitFor(10, TimeUnit.SECONDS);
    throw new IOException(
        "the Node server exited before listening (status " + process.exitValue() + ")");
  }

  private static synchronized void install() throws IOException, InterruptedException {
    Path installed = DIR.resolve("node_modules/.package-lock.json");
    Path lock = DIR.resolve("package-lock.json");
    if (Files.exists(installed)
        && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
      return;
    }
    Process npm =
        new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
            .directory(DIR.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.INHERIT)
            .start();
    if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      npm.destroyForcibly();
      throw new IOException("npm ci failed in " + DIR);
    }
  }

  /** The URL of the stream at {@code path}: the Node server serves streams at any path. */
  String streamUrl(String path) {
    return baseUrl + "/v1/stream/" + path;
  }

  @Override
  public void close() throws InterruptedException {
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // Already gone: waitFor below sees it.
    }
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
