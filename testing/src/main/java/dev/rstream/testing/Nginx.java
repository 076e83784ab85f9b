package dev.rstream.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real nginx, configured by {@code deploy/nginx/rstream-cache.conf}, in front of an origin: a
 * child process with everything (config, cache, logs) under one temporary prefix. Not thread-safe;
 * {@link #close()} stops nginx and deletes the prefix.
 */
public final class Nginx implements AutoCloseable {
  private final Path prefix;
  private final int port;
  private final Process process;

  /** One line of the access log: one request a client made through the cache. */
  public record Hit(
      String method,
      String uri,
      int status,
      String cacheStatus,
      boolean origin,
      long originBytes,
      long clientBytes) {
    /** Whether the request was a live read (long-poll or SSE). */
    public boolean live() {
      return uri.contains("live=");
    }
  }

  private Nginx(Path prefix, int port, Process process) {
    this.prefix = prefix;
    this.port = port;
    this.process = process;
  }

  /** Whether an {@code nginx} binary is on the PATH (the tests that need one skip otherwise). */
  public static boolean available() {
    String path = System.getenv("PATH");
    if (path == null) return false;
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "nginx"))) return true;
    }
    return false;
  }

  /** Starts nginx in front of {@code 127.0.0.1:originPort}; returns once it accepts connections. */
  public static Nginx start(int originPort) throws IOException, InterruptedException {
    Path prefix = Files.createTempDirectory("rstream-nginx");
    // Started as root, nginx runs its workers as an unprivileged user: they must reach the
    // prefix and write the cache and temp directories.
    Files.setPosixFilePermissions(prefix, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String dir : new String[] {"cache", "tmp"}) {
      Files.setPosixFilePermissions(
          Files.createDirectories(prefix.resolve(dir)),
          PosixFilePermissions.fromString("rwxrwxrwx"));
    }
    int port = freePort();
    String conf =
        Files.readString(config(), StandardCharsets.UTF_8)
            .replace("@LISTEN_PORT@", Integer.toString(port))
            .replace("@ORIGIN_PORT@", Integer.toString(originPort));
    Path confFile = prefix.resolve("rstream-cache.conf");
    Files.writeString(confFile, conf, StandardCharsets.UTF_8);
    Process process =
        new ProcessBuilder(
                "nginx",
                "-p",
                prefix + "/",
                "-e",
                prefix.resolve("error.log").toString(),
                "-c",
                confFile.toString(),
                "-g",
                "daemon off;")
            .redirectErrorStream(true)
            .redirectOutput(prefix.resolve("stdout.log").toFile())
            .start();
    Nginx nginx = new Nginx(prefix, port, process);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!nginx.accepts()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        nginx.close();
        throw new IOException(
            "nginx did not start: "
                + Files.readString(prefix.resolve("stdout.log"))
                + readIfExists(prefix.resolve("error.log")));
      }
      // Polling a port: there is no readiness signal from nginx to wait on instead.
      Thread.sleep(20);
    }
    return nginx;
  }

  /**
   * The config file, found from the working directory or one above it (a module or the repository
   * root).
   *
   * @throws IllegalStateException when there is none: not run from the repository
   */
  public static Path config() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("deploy/nginx/rstream-cache.conf");
      if (Files.isRegularFile(candidate)) return candidate;
    }
    throw new IllegalStateException(
        "deploy/nginx/rstream-cache.conf not found above " + Path.of("").toAbsolutePath());
  }

  /** A port no one listened on a moment ago. */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private boolean accepts() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String readIfExists(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file) : "";
  }

  /** The base URL clients use, {@code http://127.0.0.1:port}. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** The directory that holds the config, the cache and the logs until {@link #close()}. */
  public Path prefix() {
    return prefix;
  }

  /** Every request logged so far (nginx writes a line when a request ends). */
  public List<Hit> hits() {
    try {
      Path log = prefix.resolve("access.log");
      List<Hit> hits = new ArrayList<>();
      if (!Files.exists(log)) return hits;
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        // log_format rstream: method "uri" status cache-status sent time "upstream-addr"
        // "upstream-length"
        String[] quoted = line.split("\"");
        String[] middle = quoted[2].trim().split(" ");
        hits.add(
            new Hit(
                quoted[0].trim(),
                quoted[1],
                Integer.parseInt(middle[0]),
                middle[1],
                !quoted[3].equals("-"),
                number(quoted[5]),
                number(middle[2])));
      }
      return hits;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** nginx writes "-" for no value, and "a, b" when one request went to the origin twice. */
  private static long number(String field) {
    long sum = 0;
    for (String part : field.split(",")) {
      String value = part.trim();
      if (!value.isEmpty() && !value.equals("-")) sum += Long.parseLong(value);
    }
    return sum;
  }

  /** Stops nginx and deletes its prefix (config, cache, logs). */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS))
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(prefix)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
