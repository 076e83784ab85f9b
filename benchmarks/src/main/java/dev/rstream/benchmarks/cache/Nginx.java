package dev.rstream.benchmarks.cache;

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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * nginx as a child process with {@code deploy/nginx/rstream-cache.conf}, everything under one
 * prefix directory, and its access log read back as {@link Hit}s. The same harness as the sdk's
 * {@code dev.rstream.cache.NginxCache} test fixture: the sdk's tests cannot see this module (it
 * depends on the sdk), nor this module the sdk's tests.
 */
final class Nginx implements AutoCloseable {
  private final Path prefix;
  private final int port;
  private final Process process;

  /** One request a client made through the cache. */
  record Hit(String uri, int status, boolean origin, long originBytes, long clientBytes) {
    boolean live() {
      return uri.contains("live=");
    }
  }

  private Nginx(Path prefix, int port, Process process) {
    this.prefix = prefix;
    this.port = port;
    this.process = process;
  }

  static Nginx start(int originPort) throws IOException, InterruptedException {
    Path prefix = Files.createTempDirectory("rstream-nginx");
    // Started as root, nginx runs its workers as an unprivileged user.
    Files.setPosixFilePermissions(prefix, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String dir : new String[] {"cache", "tmp"}) {
      Files.setPosixFilePermissions(
          Files.createDirectories(prefix.resolve(dir)), PosixFilePermissions.fromString("rwxrwxrwx"));
    }
    int port = freePort();
    String conf = Files.readString(config(), StandardCharsets.UTF_8)
        .replace("@LISTEN_PORT@", Integer.toString(port))
        .replace("@ORIGIN_PORT@", Integer.toString(originPort));
    Path confFile = prefix.resolve("rstream-cache.conf");
    Files.writeString(confFile, conf, StandardCharsets.UTF_8);
    Process process = new ProcessBuilder(
            "nginx", "-p", prefix + "/", "-e", prefix.resolve("error.log").toString(),
            "-c", confFile.toString(), "-g", "daemon off;")
        .redirectErrorStream(true)
        .redirectOutput(prefix.resolve("stdout.log").toFile())
        .start();
    Nginx nginx = new Nginx(prefix, port, process);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!accepts(port)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        nginx.close();
        throw new IOException("nginx did not start; see " + prefix);
      }
      Thread.sleep(20); // no readiness signal from nginx but its port
    }
    return nginx;
  }

  static Path config() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("deploy/nginx/rstream-cache.conf");
      if (Files.isRegularFile(candidate)) return candidate;
    }
    throw new IllegalStateException("deploy/nginx/rstream-cache.conf not found above the working directory");
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  Path prefix() {
    return prefix;
  }

  /** Every request logged so far; see the {@code rstream} log_format in the config. */
  List<Hit> hits() {
    try {
      Path log = prefix.resolve("access.log");
      List<Hit> hits = new ArrayList<>();
      if (!Files.exists(log)) return hits;
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        // method "uri" status cache-status sent time "upstream-addr" "upstream-length"
        String[] quoted = line.split("\"");
        String[] middle = quoted[2].trim().split(" ");
        hits.add(new Hit(quoted[1], Integer.parseInt(middle[0]), !quoted[3].equals("-"),
            number(quoted[5]), number(middle[2])));
      }
      return hits;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long number(String field) {
    long sum = 0;
    for (String part : field.split(",")) {
      String value = part.trim();
      if (!value.isEmpty() && !value.equals("-")) sum += Long.parseLong(value);
    }
    return sum;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }
}
