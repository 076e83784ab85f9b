package dev.rstream.server.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.rstream.server.StubServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a shared HTTP cache in front of the server relies on (spec 10.1): committed ranges are
 * immutable with a strong ETag, answers at the tail are short-lived, chunk boundaries depend only
 * on the offset, and long-poll answers carry cursors a cache can collapse on.
 */
class CacheHeadersTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final String IMMUTABLE = "public, max-age=31536000, immutable";
  private static final String AT_TAIL = "public, max-age=60, stale-while-revalidate=300";
  private static final AtomicInteger names = new AtomicInteger();

  private static StubServer server;
  private static OkHttpClient http;

  record Reply(int code, Headers headers, byte[] bytes) {
    String header(String name) {
      String value = headers.get(name);
      if (value == null) throw new AssertionError("no " + name + " in " + headers);
      return value;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    server =
        StubServer.builder()
            .maxReadBytes(700)
            .keyframeChanges(20)
            .keyframeInterval(Duration.ofHours(1))
            .longPollTimeout(Duration.ofMillis(300))
            .build()
            .start();
    http = new OkHttpClient.Builder().readTimeout(10, TimeUnit.SECONDS).build();
  }

  @AfterAll
  static void stop() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
    server.close();
  }

  private static Reply call(Request request) {
    try (Response response = http.newCall(request).execute()) {
      return new Reply(response.code(), response.headers(), response.body().bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Reply get(String pathAndQuery) {
    return call(new Request.Builder().url(server.streamUrl(pathAndQuery)).build());
  }

  private static void post(String path, String body) {
    Reply reply =
        call(
            new Request.Builder()
                .url(server.streamUrl(path))
                .post(RequestBody.create(body, JSON_TYPE))
                .build());
    assertThat(reply.code()).as("append to %s", path).isIn(200, 204);
  }

  /** A state stream with a keyframe every 20 changes, and {@code changes} changes in it. */
  private static String stateStream(int changes) {
    String path = "cache/s" + names.incrementAndGet();
    Reply created =
        call(
            new Request.Builder()
                .url(server.streamUrl(path))
                .header("Rstream-Keyframes", "changes=20, interval=3600s")
                .put(RequestBody.create("", JSON_TYPE))
                .build());
    assertThat(created.code()).isEqualTo(201);
    for (int i = 0; i < changes; i++) {
      post(
          path,
          "{\"type\":\"item\",\"key\":\"k"
              + (i % 7)
              + "\",\"value\":"
              + i
              + ",\"headers\":{\"operation\":\"update\"}}");
      // The server writes a keyframe on its own thread once 20 changes are in; waiting for it
      // keeps one keyframe per 20 changes (without the wait, a slow keyframe covers more).
      if ((i + 1) % 20 == 0) keyframes(path, 1 + (i + 1) / 20);
    }
    return path;
  }

  /**
   * Reads the keyframe index (the untimed initial keyframe included) until it holds {@code count}
   * offsets or 30 s have passed; keyframes are written async.
   */
  private static List<String> keyframes(String path, int count) {
    List<String> offsets = new ArrayList<>();
    String offset = "-1";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (offsets.size() < count && System.nanoTime() < deadline) {
      Reply reply =
          get(
              path
                  + ".keyframes?offset="
                  + offset
                  + (offset.equals("-1") ? "" : "&live=long-poll"));
      if (reply.code() == 200) {
        try {
          for (JsonNode entry : JSON.readTree(reply.bytes()))
            offsets.add(entry.get("offset").asText());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      offset = reply.header("Stream-Next-Offset");
    }
    assertThat(offsets).hasSizeGreaterThanOrEqualTo(count);
    return offsets;
  }

  @Test
  void committedWindowRangeIsImmutableWithAStrongEtag() throws IOException {
    String path = stateStream(70);
    List<String> keyframes = keyframes(path, 3);
    // Window 1 lies between keyframes 1 and 2: every chunk read in it ends below the tail.
    Reply chunk = get(path + "?offset=" + keyframes.get(1));
    assertThat(chunk.code()).isEqualTo(200);
    assertThat(chunk.headers().get("Stream-Up-To-Date")).isNull();
    assertThat(chunk.header("Cache-Control")).isEqualTo(IMMUTABLE);
    assertThat(chunk.header("ETag")).startsWith("\"").doesNotStartWith("W/");
  }

  @Test
  void readReachingTheTailIsSharedOnlyBriefly() throws IOException {
    String path = stateStream(30);
    List<String> keyframes = keyframes(path, 2);
    String offset = keyframes.get(keyframes.size() - 1);
    Reply reply;
    do {
      reply = get(path + "?offset=" + offset);
      offset = reply.header("Stream-Next-Offset");
    } while (reply.headers().get("Stream-Up-To-Date") == null);
    assertThat(reply.header("Cache-Control")).isEqualTo(AT_TAIL);
  }

  @Test
  void keyframeIndexIsImmutableBelowItsTailAndBriefAtIt() throws IOException {
    // 12 keyframes: the index outgrows one 700-byte read.
    String path = stateStream(240);
    keyframes(path, 12);
    Reply first = get(path + ".keyframes?offset=-1");
    assertThat(first.headers().get("Stream-Up-To-Date"))
        .as("first chunk ends below the tail")
        .isNull();
    assertThat(first.header("Cache-Control")).isEqualTo(IMMUTABLE);
    assertThat(first.header("ETag")).doesNotStartWith("W/");
    Reply reply = first;
    while (reply.headers().get("Stream-Up-To-Date") == null) {
      reply = get(path + ".keyframes?offset=" + reply.header("Stream-Next-Offset"));
    }
    assertThat(reply.header("Cache-Control")).isEqualTo(AT_TAIL);
  }

  @Test
  void twoReadsFromTheSameOffsetReturnTheSameChunk() throws IOException {
    String path = stateStream(60);
    List<String> offsets = new ArrayList<>();
    List<Reply> first = new ArrayList<>();
    String offset = "-1";
    Reply reply;
    do {
      reply = get(path + "?offset=" + offset);
      offsets.add(offset);
      first.add(reply);
      offset = reply.header("Stream-Next-Offset");
    } while (reply.headers().get("Stream-Up-To-Date") == null);
    assertThat(first).as("several chunks").hasSizeGreaterThan(3);
    // More data after the tail must not move a boundary below it.
    post(
        path,
        "{\"type\":\"item\",\"key\":\"late\",\"value\":1,\"headers\":{\"operation\":\"update\"}}");
    for (int i = 0; i < first.size() - 1; i++) {
      Reply again = get(path + "?offset=" + offsets.get(i));
      assertThat(again.bytes()).as("bytes from %s", offsets.get(i)).isEqualTo(first.get(i).bytes());
      assertThat(again.header("Stream-Next-Offset"))
          .isEqualTo(first.get(i).header("Stream-Next-Offset"));
      assertThat(again.header("ETag")).isEqualTo(first.get(i).header("ETag"));
    }
  }

  @Test
  void longPollTimeoutIsSharedForOnePeriodAndCarriesANewerCursor() {
    String path = stateStream(1);
    String tail = get(path + "?offset=-1").header("Stream-Next-Offset");
    Reply timedOut = get(path + "?live=long-poll&offset=" + tail);
    assertThat(timedOut.code()).isEqualTo(204);
    assertThat(timedOut.header("Cache-Control")).isEqualTo("public, max-age=1");
    String cursor = timedOut.header("Stream-Cursor");
    Reply next = get(path + "?cursor=" + cursor + "&live=long-poll&offset=" + tail);
    assertThat(next.code()).isEqualTo(204);
    assertThat(Long.parseLong(next.header("Stream-Cursor"))).isGreaterThan(Long.parseLong(cursor));
  }

  @Test
  void longPollAtTheEndOfAClosedStreamIsNotStored() {
    String path = "cache/closed" + names.incrementAndGet();
    Reply created =
        call(
            new Request.Builder()
                .url(server.streamUrl(path))
                .header("Stream-Closed", "true")
                .put(RequestBody.create("[1]", JSON_TYPE))
                .build());
    assertThat(created.code()).isEqualTo(201);
    String tail = created.header("Stream-Next-Offset");
    Reply eof = get(path + "?live=long-poll&offset=" + tail);
    assertThat(eof.code()).isEqualTo(204);
    assertThat(eof.header("Stream-Closed")).isEqualTo("true");
    assertThat(eof.header("Cache-Control")).isEqualTo("no-store");
  }
}
