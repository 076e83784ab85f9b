package dev.rstream.interop;

import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.keyframer.Keyframer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/**
 * The Node reference server with its file store, and one {@link Keyframer} per state stream, each
 * on a thread of its own, as a deployment would run them beside the server.
 */
final class NodeUnderTest implements ServerUnderTest {
  private final NodeServer server;
  private final OkHttpClient http = new OkHttpClient();
  private final List<Keyframer> keyframers = new ArrayList<>();
  private final List<CompletableFuture<Void>> runs = new ArrayList<>();

  NodeUnderTest(Path dataDir) throws Exception {
    this.server = NodeServer.start(dataDir);
  }

  @Override
  public String createStateStream(String path, int changes) throws Exception {
    String url = server.streamUrl(path);
    // The same request as for server-stub: the Node server ignores the header it does not know.
    DurableStream.builder()
        .url(url)
        .okHttpClient(http)
        .build()
        .create(
            CreateOptions.builder()
                .contentType("application/json")
                .header("Rstream-Keyframes", "changes=" + changes + ", interval=3600s")
                .build())
        .timeout(10, TimeUnit.SECONDS)
        .blockingGet();
    Keyframer keyframer =
        Keyframer.builder(url)
            .okHttpClient(http)
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
    Index.await(http, url, 1);
    return url;
  }

  @Override
  public boolean refusesEarlierTimestamps() {
    return false;
  }

  @Override
  public OkHttpClient http() {
    return http;
  }

  @Override
  public synchronized void assertHealthy() throws Exception {
    for (CompletableFuture<Void> run : runs) {
      if (run.isCompletedExceptionally()) run.get(0, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() throws Exception {
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
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }
}
