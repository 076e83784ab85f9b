package dev.rstream.interop;

import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/**
 * A Durable Streams server the end-to-end suite runs against, with whatever writes its keyframes:
 * server-stub itself, or the keyframer beside a server that knows nothing of rstream. That is the
 * only difference the suite allows between the two (docs/PROTOCOL.md 3.0), and the only thing a
 * subclass says: how its server starts and stops, and whether something runs beside it per stream.
 * Creating a stream and releasing the test's HTTP client happen here, the same for every server.
 */
abstract class ServerUnderTest implements AutoCloseable {
  private final OkHttpClient http = new OkHttpClient();

  /** The URL of the stream at {@code path} on this server. */
  abstract String streamUrl(String path);

  /**
   * Called once the stream at {@code url} exists, before its initial keyframe is awaited: starts
   * whatever writes its keyframes when the server does not. Nothing by default.
   */
  void keyframe(String url, String path, int changes) {}

  /** Stops the server and whatever runs beside it; the HTTP client is released after it. */
  abstract void stop() throws Exception;

  /**
   * Whether the server refuses a change stamped earlier than the stream's last one (server-stub,
   * docs/PROTOCOL.md 3.1); other servers take it, and clients read effective timestamps.
   */
  abstract boolean refusesEarlierTimestamps();

  /**
   * Creates a state stream at {@code path} that gets a keyframe every {@code changes} changes, and
   * returns its URL once its initial keyframe is in the index. The request is the same on every
   * server: one that does not know {@code Rstream-Keyframes} ignores it.
   */
  final String createStateStream(String path, int changes) throws Exception {
    String url = streamUrl(path);
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
    keyframe(url, path, changes);
    Index.await(http, url, 1);
    return url;
  }

  /** A client for the test's own reads and writes. */
  final OkHttpClient http() {
    return http;
  }

  /** Fails if something that serves the streams (the keyframer) failed. Nothing by default. */
  void assertHealthy() throws Exception {}

  @Override
  public final void close() throws Exception {
    try {
      stop();
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }
}
