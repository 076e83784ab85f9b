package dev.rstream.examples;

import dev.rstream.server.StubServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The demo's embedded {@link StubServer} on its durable file log, which step 4 stops and starts
 * again on the same port. Not thread-safe; {@link #close} stops whichever server is running.
 */
final class EmbeddedServer implements AutoCloseable {
  private final Path data;
  private StubServer current;

  private EmbeddedServer(Path data, StubServer current) {
    this.data = data;
    this.current = current;
  }

  /** Starts a server whose log lives in {@code data}. */
  static EmbeddedServer start(Path data) throws IOException {
    return new EmbeddedServer(data, StubServer.builder().dataDir(data).build().start());
  }

  String url() {
    return current.url();
  }

  /** Stops the server and starts a new one on the same port and log. */
  void restart() throws IOException {
    int port = current.port();
    current.close();
    current = StubServer.builder().dataDir(data).port(port).build().start();
  }

  /**
   * The server's count of live readers once it is one (the demo's clients share one live
   * connection), or whatever it is after {@code wait}. A client closed just before (the first-sync
   * client) has closed its socket, but the server notices that on its own time.
   */
  int awaitLiveReaders(Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (current.liveReaders() != 1 && System.nanoTime() < deadline) {
      Thread.sleep(10); // polls a condition, with a deadline
    }
    return current.liveReaders();
  }

  @Override
  public void close() {
    current.close();
  }
}
