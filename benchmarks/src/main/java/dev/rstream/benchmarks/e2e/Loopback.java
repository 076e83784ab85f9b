package dev.rstream.benchmarks.e2e;

import static java.util.Objects.requireNonNull;

import dev.rstream.server.StubServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * An in-memory {@link StubServer} on loopback, and the plain-HTTP writes of the benchmarks: stream
 * creation and fast population (JSON-array batches, many messages per POST); its reads are {@link
 * #raw()}. Close it to stop the server.
 */
final class Loopback implements AutoCloseable {
  private static final MediaType JSON = MediaType.get("application/json");

  private final StubServer server;

  /** For population and the raw limit; the SDK under test gets its own client, or one from it. */
  private final OkHttpClient http;

  private final RawReads raw;

  Loopback() throws IOException {
    server = StubServer.builder().memory().build().start();
    http =
        new OkHttpClient.Builder()
            .readTimeout(60, TimeUnit.SECONDS)
            .writeTimeout(60, TimeUnit.SECONDS)
            .build();
    raw = new RawReads(http);
  }

  /**
   * The raw reader's client, for an SDK client that should share its connection pool and dispatcher
   * (built from it with {@code newBuilder()}, as an app shares one OkHttpClient).
   */
  OkHttpClient http() {
    return http;
  }

  /** Plain-HTTP reads on {@link #http()}. */
  RawReads raw() {
    return raw;
  }

  String streamUrl(String path) {
    return server.streamUrl(path);
  }

  /**
   * Creates a state stream whose server writes a keyframe after {@code keyframeChanges} changes
   * (and, in practice, never by time).
   */
  String createStateStream(String path, int keyframeChanges) throws IOException {
    String url = server.streamUrl(path);
    Request request =
        new Request.Builder()
            .url(url)
            .header("Rstream-Keyframes", "changes=" + keyframeChanges + ", interval=24h")
            .put(RequestBody.create(new byte[0], JSON))
            .build();
    try (Response response = http.newCall(request).execute()) {
      if (!response.isSuccessful()) throw new IOException("PUT " + url + ": " + response.code());
    }
    return url;
  }

  /**
   * Appends messages {@code from until to} of {@code message} as one JSON array (one unit); returns
   * the stream's offset after it.
   */
  String appendBatch(String url, int from, int to, IntFunction<String> message) throws IOException {
    StringBuilder body = new StringBuilder((to - from) * 200).append('[');
    for (int i = from; i < to; i++) {
      if (i > from) body.append(',');
      body.append(message.apply(i));
    }
    body.append(']');
    return post(url, body.toString());
  }

  /** Appends one JSON value or array; returns the stream's offset after it. */
  String post(String url, String json) throws IOException {
    Request request =
        new Request.Builder()
            .url(url)
            .post(RequestBody.create(json.getBytes(StandardCharsets.UTF_8), JSON))
            .build();
    try (Response response = http.newCall(request).execute()) {
      if (!response.isSuccessful()) {
        throw new IOException(
            "POST " + url + ": " + response.code() + " " + response.body().string());
      }
      return requireNonNull(response.header("Stream-Next-Offset"), "Stream-Next-Offset");
    }
  }

  /**
   * Appends messages {@code from until to} in batches of {@code batch}; returns the stream's offset
   * after the last.
   */
  String populate(String url, int from, int to, int batch, IntFunction<String> message)
      throws IOException {
    String next = "";
    for (int i = from; i < to; i += batch) {
      next = appendBatch(url, i, Math.min(to, i + batch), message);
    }
    return next;
  }

  /**
   * Like {@link #populate(String, int, int, int, IntFunction)} on a stream whose server writes a
   * keyframe after {@code batch} changes, but waits after each full batch until the keyframe index
   * has grown. The server writes keyframes on its own thread, so without the wait two batches can
   * share one keyframe and the count of windows varies from run to run.
   */
  String populateKeyframed(String url, int from, int to, int batch, IntFunction<String> message)
      throws IOException {
    String next = "";
    int keyframes = raw.keyframeIndex(url).size();
    for (int i = from; i < to; i += batch) {
      int end = Math.min(to, i + batch);
      next = appendBatch(url, i, end, message);
      if (end - i == batch) keyframes = awaitKeyframes(url, keyframes + 1);
    }
    return next;
  }

  private int awaitKeyframes(String url, int count) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      int size = raw.keyframeIndex(url).size();
      if (size >= count) return size;
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "the server wrote " + size + " of " + count + " keyframes in 30 s: " + url);
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for keyframes", e);
      }
    }
  }

  /** Appends {@code count} messages in batches of {@code batch}. */
  void populate(String url, int count, int batch, IntFunction<String> message) throws IOException {
    populate(url, 0, count, batch, message);
  }

  @Override
  public void close() {
    server.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
