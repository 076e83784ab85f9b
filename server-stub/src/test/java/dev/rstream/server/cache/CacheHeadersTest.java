package dev.rstream.server.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.server.StubServer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a shared HTTP cache in front of the server relies on (spec 10.1): committed ranges are
 * immutable with a strong ETag, answers at the tail are short-lived, chunk boundaries depend only
 * on the offset, and long-poll answers carry cursors a cache can collapse on.
 */
class CacheHeadersTest extends CacheTestServer {
  private static final String AT_TAIL = "public, max-age=60, stale-while-revalidate=300";
  private static final AtomicInteger names = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    startServer(
        StubServer.builder()
            .maxReadBytes(700)
            .keyframeChanges(20)
            .keyframeInterval(Duration.ofHours(1))
            .longPollTimeout(Duration.ofMillis(300)));
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
    List<Reply> first = chunksToTail(path);
    assertThat(first).as("several chunks").hasSizeGreaterThan(3);
    // More data after the tail must not move a boundary below it.
    post(
        path,
        "{\"type\":\"item\",\"key\":\"late\",\"value\":1,\"headers\":{\"operation\":\"update\"}}");
    assertChunksUnchanged(path, first);
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
