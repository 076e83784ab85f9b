package dev.rstream.benchmarks.e2e;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.jspecify.annotations.Nullable;

/**
 * The benchmarks' plain-HTTP reads: the raw limit (OkHttp + Jackson's streaming parser, parsing
 * into nothing), what there is to read from an offset or in one window, and the keyframe index.
 * Thread-safe as its {@link OkHttpClient} is; one read at a time per call.
 */
final class RawReads {
  private static final JsonFactory JSON_FACTORY = new JsonFactory();

  private final OkHttpClient http;

  RawReads(OkHttpClient http) {
    this.http = http;
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
  static final class Result {
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
  Result catchUp(String url) throws IOException {
    return readFrom(url, "-1");
  }

  /**
   * The raw limit read the way the SDK reads: the next page asked for as soon as the current page's
   * body is in, then the current one parsed. Shows how much of the SDK's time the overlap saves,
   * beside the page-after-page limit the goal is set against.
   */
  Result catchUpPipelined(String url) throws IOException {
    return read(url, "-1", null, SKIP_ALL, true);
  }

  /**
   * Reads from {@code startOffset} and counts the messages whose {@code headers.offset} is at most
   * {@code endOffset}: the bytes of one window.
   */
  Result windowSize(String url, String startOffset, String endOffset) throws IOException {
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
  Result readFrom(String url, String offset) throws IOException {
    return read(url, offset, null, SKIP_ALL);
  }

  /** Decoded bytes of the whole keyframe index. */
  long indexBytes(String url) throws IOException {
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

  private Result read(
      String url, String startOffset, @Nullable String endOffset, MessageVisitor visitor)
      throws IOException {
    return read(url, startOffset, endOffset, visitor, false);
  }

  private Result read(
      String url,
      String startOffset,
      @Nullable String endOffset,
      MessageVisitor visitor,
      boolean pipelined)
      throws IOException {
    Result result = new Result();
    try {
      return readPages(url, startOffset, endOffset, visitor, pipelined, result);
    } finally {
      result.closeAhead();
    }
  }

  private Result readPages(
      String url,
      String startOffset,
      @Nullable String endOffset,
      MessageVisitor visitor,
      boolean pipelined,
      Result result)
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
      throw new InterruptedIOException("interrupted");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException
          ? (IOException) e.getCause()
          : new IOException(e.getCause());
    }
  }
}
