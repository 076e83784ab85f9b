package dev.rstream.benchmarks.e2e;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.rstream.server.StubServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory {@link StubServer} on loopback, and the plain-HTTP side of the benchmarks: fast
 * population (JSON-array batches, many messages per POST), the keyframe index, and the raw limit
 * (OkHttp + Jackson's streaming parser, parsing into nothing). Close it to stop the server.
 */
final class Loopback implements AutoCloseable {
  private static final MediaType JSON = MediaType.get("application/json");
  private static final JsonFactory JSON_FACTORY = new JsonFactory();

  private final StubServer server;

  /** For population and the raw limit; the SDK under test gets its own client, or one from it. */
  private final OkHttpClient http;

  Loopback() throws IOException {
    server = StubServer.builder().memory().build().start();
    http =
        new OkHttpClient.Builder()
            .readTimeout(60, TimeUnit.SECONDS)
            .writeTimeout(60, TimeUnit.SECONDS)
            .build();
  }

  /**
   * The raw reader's client, for an SDK client that should share its connection pool and dispatcher
   * (built from it with {@code newBuilder()}, as an app shares one OkHttpClient).
   */
  OkHttpClient http() {
    return http;
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
    int keyframes = keyframeIndex(url).size();
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
      int size = keyframeIndex(url).size();
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

  /** A keyframe index entry: the keyframe's start offset and time. */
  static final class IndexEntry {
    final String offset;
    final Instant timestamp;

    IndexEntry(String offset, Instant timestamp) {
      this.offset = offset;
      this.timestamp = timestamp;
    }
  }

  /**
   * The timed entries of the stream's keyframe index, read in full from its companion stream. The
   * initial keyframe of a state stream carries no timestamp (PROTOCOL 3.2): it has no time to seek
   * to, so it is left out.
   */
  List<IndexEntry> keyframeIndex(String url) throws IOException {
    List<IndexEntry> entries = new ArrayList<>();
    read(
        url + ".keyframes",
        "-1",
        null,
        parser -> {
          String offset = null;
          String timestamp = null;
          while (parser.nextToken() != JsonToken.END_OBJECT) {
            String name = parser.currentName();
            parser.nextToken();
            if ("offset".equals(name)) offset = parser.getText();
            else if ("timestamp".equals(name)) timestamp = parser.getText();
            else parser.skipChildren();
          }
          if (timestamp != null)
            entries.add(new IndexEntry(requireNonNull(offset, "offset"), Instant.parse(timestamp)));
          return true;
        });
    return entries;
  }

  /** What a raw read saw. */
  static final class RawResult {
    long messages;

    /** JSON bytes of the messages counted (from each message's '{' to its '}'). */
    long messageBytes;

    /** Decoded response body bytes. */
    long bodyBytes;

    int requests;

    /** A pipelined read's next page, asked for and not yet read. */
    @Nullable CompletableFuture<Response> ahead;

    /** Closes the next page's response, whenever it comes: the read ended without it. */
    void closeAhead() {
      CompletableFuture<Response> next = ahead;
      ahead = null;
      if (next != null) next.thenAccept(Response::close);
    }
  }

  /**
   * The raw limit: catch-up reads from the start until the server says up to date, parsed with
   * Jackson's streaming parser into nothing (every token is visited, no value is kept).
   */
  RawResult rawCatchUp(String url) throws IOException {
    return rawReadFrom(url, "-1");
  }

  /**
   * The raw limit read the way the SDK reads: the next page asked for as soon as the current page's
   * body is in, then the current one parsed. Shows how much of the SDK's time the overlap saves,
   * beside the page-after-page limit the goal is set against.
   */
  RawResult rawCatchUpPipelined(String url) throws IOException {
    return read(url, "-1", null, SKIP_ALL, true);
  }

  /**
   * Reads from {@code startOffset} and counts the messages whose {@code headers.offset} is at most
   * {@code endOffset}: the bytes of one window.
   */
  RawResult windowSize(String url, String startOffset, String endOffset) throws IOException {
    return read(
        url,
        startOffset,
        endOffset,
        parser -> {
          String offset = messageOffset(parser);
          return offset == null || offset.compareTo(endOffset) <= 0;
        });
  }

  /**
   * Catch-up reads from {@code offset} to the end, every message skipped: what is there to read.
   */
  RawResult rawReadFrom(String url, String offset) throws IOException {
    return read(url, offset, null, SKIP_ALL);
  }

  /** Decoded bytes of the whole keyframe index. */
  long rawIndexBytes(String url) throws IOException {
    return read(url + ".keyframes", "-1", null, SKIP_ALL).bodyBytes;
  }

  private static @Nullable String messageOffset(JsonParser parser) throws IOException {
    String offset = null;
    while (parser.nextToken() != JsonToken.END_OBJECT) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      if ("headers".equals(name) && value == JsonToken.START_OBJECT) {
        while (parser.nextToken() != JsonToken.END_OBJECT) {
          String header = parser.currentName();
          parser.nextToken();
          if ("offset".equals(header)) offset = parser.getText();
          else parser.skipChildren();
        }
      } else {
        parser.skipChildren();
      }
    }
    return offset;
  }

  /** Consumes one message (the parser is on its START_OBJECT); false stops the read. */
  private interface MessageVisitor {
    boolean visit(JsonParser parser) throws IOException;
  }

  /** Visits every token of a message and keeps nothing: what the raw limit does. */
  private static final MessageVisitor SKIP_ALL =
      parser -> {
        parser.skipChildren();
        return true;
      };

  private RawResult read(
      String url, String startOffset, @Nullable String endOffset, MessageVisitor visitor)
      throws IOException {
    return read(url, startOffset, endOffset, visitor, false);
  }

  private RawResult read(
      String url,
      String startOffset,
      @Nullable String endOffset,
      MessageVisitor visitor,
      boolean pipelined)
      throws IOException {
    RawResult result = new RawResult();
    try {
      return readPages(url, startOffset, endOffset, visitor, pipelined, result);
    } finally {
      result.closeAhead();
    }
  }

  private RawResult readPages(
      String url,
      String startOffset,
      @Nullable String endOffset,
      MessageVisitor visitor,
      boolean pipelined,
      RawResult result)
      throws IOException {
    String offset = startOffset;
    while (true) {
      CompletableFuture<Response> ahead = result.ahead;
      HttpUrl readUrl = HttpUrl.get(url).newBuilder().addQueryParameter("offset", offset).build();
      String next;
      boolean upToDate;
      boolean stop = false;
      result.ahead = null;
      try (Response response =
          ahead != null
              ? await(ahead)
              : http.newCall(new Request.Builder().url(readUrl).build()).execute()) {
        result.requests++;
        if (!response.isSuccessful())
          throw new IOException("GET " + readUrl + ": " + response.code());
        next = requireNonNull(response.header("Stream-Next-Offset"), "Stream-Next-Offset");
        upToDate = "true".equalsIgnoreCase(response.header("Stream-Up-To-Date"));
        ResponseBody body = response.body();
        if (pipelined && !upToDate && endOffset == null) {
          body.source().request(Long.MAX_VALUE); // the whole body, then the next page is asked for
          result.ahead =
              enqueue(HttpUrl.get(url).newBuilder().addQueryParameter("offset", next).build());
        }
        try (InputStream in = body.byteStream();
            JsonParser parser = JSON_FACTORY.createParser(in)) {
          if (parser.nextToken() != JsonToken.START_ARRAY)
            throw new IOException("not a JSON array: " + readUrl);
          while (parser.nextToken() == JsonToken.START_OBJECT) {
            long start = parser.currentTokenLocation().getByteOffset();
            if (!visitor.visit(parser)) {
              stop = true;
              break;
            }
            result.messages++;
            result.messageBytes += parser.currentLocation().getByteOffset() - start;
          }
          result.bodyBytes += parser.currentLocation().getByteOffset();
        }
      }
      if (stop || upToDate || next.equals(offset)) return result;
      if (endOffset != null && next.compareTo(endOffset) > 0) return result;
      offset = next;
    }
  }

  private CompletableFuture<Response> enqueue(HttpUrl url) {
    CompletableFuture<Response> response = new CompletableFuture<>();
    http.newCall(new Request.Builder().url(url).build())
        .enqueue(
            new Callback() {
              @Override
              public void onFailure(Call call, IOException e) {
                response.completeExceptionally(e);
              }

              @Override
              public void onResponse(Call call, Response answer) {
                response.complete(answer);
              }
            });
    return response;
  }

  private static Response await(CompletableFuture<Response> response) throws IOException {
    try {
      return response.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof IOException
          ? (IOException) e.getCause()
          : new IOException(e.getCause());
    }
  }

  @Override
  public void close() {
    server.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
