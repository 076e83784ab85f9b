package dev.rstream.interop;

import dev.rstream.keyframer.Keyframer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Node reference server with its file store, and one {@link Keyframer} per state stream, each
 * on a thread of its own, as a deployment would run them beside the server.
 */
final class NodeUnderTest extends ServerUnderTest {
  private final NodeServer server;
  private final List<Keyframer> keyframers = new ArrayList<>();
  private final List<CompletableFuture<Void>> runs = new ArrayList<>();

  NodeUnderTest(Path dataDir) throws Exception {
    this.server = NodeServer.start(dataDir);
  }

  @Override
  String streamUrl(String path) {
    return server.streamUrl(path);
  }

  /** Starts the stream's keyframer on a thread of its own. */
  @Override
  void keyframe(String url, String path, int changes) {
    Keyframer keyframer =
        Keyframer.builder(url)
            .okHttpClient(http())
            .changes(changes)
            .interval(Duration.ofHours(1))
            .build();
    CompletableFuture<Void> run = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                keyframer.run();
                run.complete(null);
              } catch (Throwable e) {
                run.completeExceptionally(e);
              }
            },
            "keyframer " + path);
    thread.setDaemon(true);
    thread.start();
    synchronized (this) {
      keyframers.add(keyframer);
      runs.add(run);
    }
  }

  @Override
  boolean refusesEarlierTimestamps() {
    return false;
  }

  @Override
  synchronized void assertHealthy() throws Exception {
    for (CompletableFuture<Void> run : runs) {
      if (run.isCompletedExceptionally()) run.get(0, TimeUnit.SECONDS);
    }
  }

  @Override
  void stop() throws Exception {
    try {
      assertHealthy();
    } finally {
      for (Keyframer keyframer : keyframers) keyframer.close();
      for (CompletableFuture<Void> run : runs) {
        try {
          run.get(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // Reported by assertHealthy above when it failed before the close.
        }
      }
      server.close();
    }
  }
}
