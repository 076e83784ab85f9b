package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Catch-up reads (spec 5.6): offsets, ETag/304, caching, gzip, metadata and deletion. */
class CatchUpReadTest {
  private static final AtomicInteger names = new AtomicInteger();
  private static StubServer server;
  private static Http http;

  @BeforeAll
  static void start() throws Exception {
    server =
        StubServer.builder()
            .conventions(new RecordingConventions())
            .maxReadBytes(64)
            .build()
            .start();
    http = new Http(server);
  }

  @AfterAll
  static void stop() {
    http.close();
    server.close();
  }

  private static String stream(String contentType, String body) {
    String path = "read/s" + names.incrementAndGet();
    assertThat(http.put(path, contentType, body).code()).isEqualTo(201);
    return path;
  }

  @Test
  void malformedOffsetIs400() {
    String path = stream("text/plain", "abc");
    for (String offset :
        new String[] {"abc", "0,1", "12", "-2", "0000000000000000_000000000000000g"}) {
      Http.Reply reply = http.get(path + "?offset=" + offset);
      assertThat(reply.code()).as(offset).isEqualTo(400);
      assertThat(reply.body()).contains("invalid_offset");
    }
    assertThat(http.get(path + "?offset=-1&offset=-1").code()).isEqualTo(400);
    assertThat(http.get(path + "?offset=").code()).isEqualTo(400);
  }

  @Test
  void unknownStreamIs404() {
    Http.Reply reply = http.get("read/none?offset=-1");
    assertThat(reply.code()).isEqualTo(404);
    assertThat(reply.body()).contains("stream_not_found").contains("read/none");
    assertThat(http.head("read/none").code()).isEqualTo(404);
  }

  @Test
  void offsetThatIsNotAMessageBoundaryIs400() {
    String path = stream("text/plain", "abcdef");
    String tail = http.get(path).nextOffset();
    String inside = tail.substring(0, 17) + "0000000000000003";
    assertThat(http.get(path + "?offset=" + inside).code()).isEqualTo(400);
  }

  @Test
  void offsetOfAnEarlierIncarnationIs410() {
    String path = stream("text/plain", "old");
    String old = http.get(path).nextOffset();
    assertThat(http.delete(path).code()).isEqualTo(204);
    assertThat(http.get(path).code()).isEqualTo(404);
    assertThat(http.put(path, "text/plain", "new!").code()).isEqualTo(201);
    Http.Reply gone = http.get(path + "?offset=" + old);
    assertThat(gone.code()).isEqualTo(410);
    assertThat(gone.body()).contains("offset_gone");
  }

  @Test
  void readsAreChunkedAndResumeWithoutGapOrDuplicate() {
    String path = stream("text/plain", "");
    StringBuilder written = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      String chunk = ("chunk-" + i + "-").repeat(3);
      http.post(path, "text/plain", chunk);
      written.append(chunk);
    }
    StringBuilder read = new StringBuilder();
    String offset = "-1";
    int reads = 0;
    while (true) {
      Http.Reply reply = http.get(path + "?offset=" + offset);
      read.append(reply.body());
      reads++;
      String next = reply.nextOffset();
      assertThat(next).isGreaterThanOrEqualTo(offset.equals("-1") ? "" : offset);
      offset = next;
      if ("true".equals(reply.header("Stream-Up-To-Date"))) break;
      assertThat(reply.header("Cache-Control")).contains("immutable");
    }
    assertThat(read.toString()).isEqualTo(written.toString());
    assertThat(reads).isGreaterThan(3);
  }

  @Test
  void matchingIfNoneMatchIs304UntilTheStreamChanges() {
    String path = stream("application/json", "[1]");
    Http.Reply first = http.get(path + "?offset=-1");
    String etag = first.header("ETag");
    assertThat(etag).isNotNull();
    Http.Reply again = http.get(path + "?offset=-1", "If-None-Match", etag);
    assertThat(again.code()).isEqualTo(304);
    assertThat(again.bytes()).isEmpty();

    http.post(path, "application/json", "", "Stream-Closed", "true");
    Http.Reply afterClose = http.get(path + "?offset=-1", "If-None-Match", etag);
    assertThat(afterClose.code()).isEqualTo(200);
    assertThat(afterClose.header("Stream-Closed")).isEqualTo("true");
    assertThat(afterClose.header("ETag")).isNotEqualTo(etag);
  }

  @Test
  void recreatedStreamNeverMatchesAnOldEtag() {
    String path = stream("text/plain", "same");
    String etag = http.get(path + "?offset=-1").header("ETag");
    http.delete(path);
    http.put(path, "text/plain", "same");
    Http.Reply reply = http.get(path + "?offset=-1", "If-None-Match", etag);
    assertThat(reply.code()).isEqualTo(200);
    assertThat(reply.header("ETag")).isNotEqualTo(etag);
  }

  @Test
  void cacheControlSaysWhatCanChange() {
    String path = stream("text/plain", "x".repeat(100));
    http.post(path, "text/plain", "y");
    Http.Reply belowTail = http.get(path + "?offset=-1");
    assertThat(belowTail.header("Stream-Up-To-Date")).isNull();
    assertThat(belowTail.header("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
    Http.Reply atTail = http.get(path + "?offset=" + belowTail.nextOffset());
    assertThat(atTail.header("Stream-Up-To-Date")).isEqualTo("true");
    assertThat(atTail.header("Cache-Control"))
        .isEqualTo("public, max-age=60, stale-while-revalidate=300");
    assertThat(http.get(path + "?offset=now").header("Cache-Control")).isEqualTo("no-store");
    assertThat(http.head(path).header("Cache-Control")).isEqualTo("no-store");
  }

  @Test
  void binaryStreamsAreServedAsAttachments() {
    String path = stream("application/octet-stream", "\u0000\u0001");
    assertThat(http.get(path).header("Content-Disposition")).isEqualTo("attachment");
    assertThat(http.get(stream("text/plain", "x")).header("Content-Disposition")).isNull();
  }

  @Test
  void offsetNowReturnsTheTailAndNoData() {
    String path = stream("application/json", "[1,2]");
    Http.Reply now = http.get(path + "?offset=now");
    assertThat(now.body()).isEqualTo("[]");
    assertThat(now.header("Stream-Up-To-Date")).isEqualTo("true");
    assertThat(now.header("ETag")).isNull();
    assertThat(now.nextOffset()).isEqualTo(http.get(path).nextOffset());
  }

  @Test
  void gzipWhenTheClientAsksForIt() throws IOException {
    String text = "compressible ".repeat(500);
    String path = stream("text/plain", text);
    Http.Reply reply = http.get(path + "?offset=-1", "Accept-Encoding", "gzip");
    assertThat(reply.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(reply.bytes().length).isLessThan(text.length() / 4);
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(reply.bytes()))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(text);
    }
    Http.Reply plain = http.get(path + "?offset=-1", "Accept-Encoding", "identity");
    assertThat(plain.header("Content-Encoding")).isNull();
  }

  @Test
  void headReportsMetadata() {
    String path = "read/meta" + names.incrementAndGet();
    http.put(path, "text/plain", "abc", "Stream-TTL", "3600");
    Http.Reply head =
        http.call(http.request(path).head().header("Origin", "https://app.example").build());
    assertThat(head.code()).isEqualTo(200);
    assertThat(head.header("Content-Type")).isEqualTo("text/plain");
    assertThat(head.header("Stream-TTL")).isEqualTo("3600");
    assertThat(head.nextOffset()).isEqualTo(http.get(path).nextOffset());
    assertThat(head.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(head.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
  }

  @Test
  void createIsIdempotentOnSameConfigAndConflictsOtherwise() {
    String path = "read/create" + names.incrementAndGet();
    Http.Reply created = http.put(path, "application/json", "[1]");
    assertThat(created.code()).isEqualTo(201);
    assertThat(created.header("Location")).isEqualTo(server.streamUrl(path));
    assertThat(http.put(path, "application/json", "").code()).isEqualTo(200);
    assertThat(http.put(path, "text/plain", "").code()).isEqualTo(409);
    assertThat(http.put(path, "application/json", "", "Stream-TTL", "5").code()).isEqualTo(409);
    assertThat(
            http.put(
                    "read/both",
                    "text/plain",
                    "",
                    "Stream-TTL",
                    "5",
                    "Stream-Expires-At",
                    "2030-01-01T00:00:00Z")
                .code())
        .isEqualTo(400);
  }

  @Test
  void forksAndSubscriptionsAreNotImplemented() {
    Http.Reply fork = http.put("read/fork", "text/plain", "", "Stream-Forked-From", "/v1/stream/a");
    assertThat(fork.code()).isEqualTo(501);
    assertThat(http.get("__ds/subscriptions/x").code()).isEqualTo(501);
  }
}
