package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Catch-up reads (spec 5.6): offsets, ETag/304, caching, gzip, metadata and deletion. */
class CatchUpReadTest {
  @RegisterExtension
  static final PlainServer plainServer = new PlainServer(builder -> builder.maxReadBytes(64));

  private static final AtomicInteger names = new AtomicInteger();

  private static String stream(String contentType, String body) {
    String path = "read/s" + names.incrementAndGet();
    assertThat(plainServer.http().put(path, contentType, body).code()).isEqualTo(201);
    return path;
  }

  @Test
  void malformedOffsetIs400() {
    String path = stream("text/plain", "abc");
    for (String offset :
        new String[] {"abc", "0,1", "12", "-2", "0000000000000000_000000000000000g"}) {
      Http.Reply reply = plainServer.http().get(path + "?offset=" + offset);
      assertThat(reply.code()).as(offset).isEqualTo(400);
      assertThat(reply.body()).contains("invalid_offset");
    }
    assertThat(plainServer.http().get(path + "?offset=-1&offset=-1").code()).isEqualTo(400);
    assertThat(plainServer.http().get(path + "?offset=").code()).isEqualTo(400);
  }

  @Test
  void unknownStreamIs404() {
    Http.Reply reply = plainServer.http().get("read/none?offset=-1");
    assertThat(reply.code()).isEqualTo(404);
    assertThat(reply.body()).contains("stream_not_found").contains("read/none");
    assertThat(plainServer.http().head("read/none").code()).isEqualTo(404);
  }

  @Test
  void offsetThatIsNotAMessageBoundaryIs400() {
    String path = stream("text/plain", "abcdef");
    String tail = plainServer.http().get(path).nextOffset();
    String inside = tail.substring(0, 17) + "0000000000000003";
    assertThat(plainServer.http().get(path + "?offset=" + inside).code()).isEqualTo(400);
  }

  @Test
  void offsetOfAnEarlierIncarnationIs410() {
    String path = stream("text/plain", "old");
    String old = plainServer.http().get(path).nextOffset();
    assertThat(plainServer.http().delete(path).code()).isEqualTo(204);
    assertThat(plainServer.http().get(path).code()).isEqualTo(404);
    assertThat(plainServer.http().put(path, "text/plain", "new!").code()).isEqualTo(201);
    Http.Reply gone = plainServer.http().get(path + "?offset=" + old);
    assertThat(gone.code()).isEqualTo(410);
    assertThat(gone.body()).contains("offset_gone");
  }

  @Test
  void readsAreChunkedAndResumeWithoutGapOrDuplicate() {
    String path = stream("text/plain", "");
    StringBuilder written = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      String chunk = ("chunk-" + i + "-").repeat(3);
      plainServer.http().post(path, "text/plain", chunk);
      written.append(chunk);
    }
    StringBuilder read = new StringBuilder();
    String offset = "-1";
    int reads = 0;
    while (true) {
      Http.Reply reply = plainServer.http().get(path + "?offset=" + offset);
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
    Http.Reply first = plainServer.http().get(path + "?offset=-1");
    String etag = first.header("ETag");
    assertThat(etag).isNotNull();
    Http.Reply again = plainServer.http().get(path + "?offset=-1", "If-None-Match", etag);
    assertThat(again.code()).isEqualTo(304);
    assertThat(again.bytes()).isEmpty();

    plainServer.http().post(path, "application/json", "", "Stream-Closed", "true");
    Http.Reply afterClose = plainServer.http().get(path + "?offset=-1", "If-None-Match", etag);
    assertThat(afterClose.code()).isEqualTo(200);
    assertThat(afterClose.header("Stream-Closed")).isEqualTo("true");
    assertThat(afterClose.header("ETag")).isNotEqualTo(etag);
  }

  @Test
  void recreatedStreamNeverMatchesAnOldEtag() {
    String path = stream("text/plain", "same");
    String etag = plainServer.http().get(path + "?offset=-1").header("ETag");
    plainServer.http().delete(path);
    plainServer.http().put(path, "text/plain", "same");
    Http.Reply reply = plainServer.http().get(path + "?offset=-1", "If-None-Match", etag);
    assertThat(reply.code()).isEqualTo(200);
    assertThat(reply.header("ETag")).isNotEqualTo(etag);
  }

  @Test
  void cacheControlSaysWhatCanChange() {
    String path = stream("text/plain", "x".repeat(100));
    plainServer.http().post(path, "text/plain", "y");
    Http.Reply belowTail = plainServer.http().get(path + "?offset=-1");
    assertThat(belowTail.header("Stream-Up-To-Date")).isNull();
    assertThat(belowTail.header("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
    Http.Reply atTail = plainServer.http().get(path + "?offset=" + belowTail.nextOffset());
    assertThat(atTail.header("Stream-Up-To-Date")).isEqualTo("true");
    assertThat(atTail.header("Cache-Control"))
        .isEqualTo("public, max-age=60, stale-while-revalidate=300");
    assertThat(plainServer.http().get(path + "?offset=now").header("Cache-Control"))
        .isEqualTo("no-store");
    assertThat(plainServer.http().head(path).header("Cache-Control")).isEqualTo("no-store");
  }

  @Test
  void binaryStreamsAreServedAsAttachments() {
    String path = stream("application/octet-stream", "\u0000\u0001");
    assertThat(plainServer.http().get(path).header("Content-Disposition")).isEqualTo("attachment");
    assertThat(plainServer.http().get(stream("text/plain", "x")).header("Content-Disposition"))
        .isNull();
  }

  @Test
  void offsetNowReturnsTheTailAndNoData() {
    String path = stream("application/json", "[1,2]");
    Http.Reply now = plainServer.http().get(path + "?offset=now");
    assertThat(now.body()).isEqualTo("[]");
    assertThat(now.header("Stream-Up-To-Date")).isEqualTo("true");
    assertThat(now.header("ETag")).isNull();
    assertThat(now.nextOffset()).isEqualTo(plainServer.http().get(path).nextOffset());
  }

  @Test
  void gzipWhenTheClientAsksForIt() throws IOException {
    String text = "compressible ".repeat(500);
    String path = stream("text/plain", text);
    Http.Reply reply = plainServer.http().get(path + "?offset=-1", "Accept-Encoding", "gzip");
    assertThat(reply.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(reply.bytes().length).isLessThan(text.length() / 4);
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(reply.bytes()))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(text);
    }
    Http.Reply plain = plainServer.http().get(path + "?offset=-1", "Accept-Encoding", "identity");
    assertThat(plain.header("Content-Encoding")).isNull();
  }

  @Test
  void headReportsMetadata() {
    String path = "read/meta" + names.incrementAndGet();
    plainServer.http().put(path, "text/plain", "abc", "Stream-TTL", "3600");
    Http.Reply head =
        plainServer
            .http()
            .call(
                plainServer
                    .http()
                    .request(path)
                    .head()
                    .header("Origin", "https://app.example")
                    .build());
    assertThat(head.code()).isEqualTo(200);
    assertThat(head.header("Content-Type")).isEqualTo("text/plain");
    assertThat(head.header("Stream-TTL")).isEqualTo("3600");
    assertThat(head.nextOffset()).isEqualTo(plainServer.http().get(path).nextOffset());
    assertThat(head.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(head.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
  }

  @Test
  void createIsIdempotentOnSameConfigAndConflictsOtherwise() {
    String path = "read/create" + names.incrementAndGet();
    Http.Reply created = plainServer.http().put(path, "application/json", "[1]");
    assertThat(created.code()).isEqualTo(201);
    assertThat(created.header("Location")).isEqualTo(plainServer.server().streamUrl(path));
    assertThat(plainServer.http().put(path, "application/json", "").code()).isEqualTo(200);
    assertThat(plainServer.http().put(path, "text/plain", "").code()).isEqualTo(409);
    assertThat(plainServer.http().put(path, "application/json", "", "Stream-TTL", "5").code())
        .isEqualTo(409);
    assertThat(
            plainServer
                .http()
                .put(
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
    Http.Reply fork =
        plainServer.http().put("read/fork", "text/plain", "", "Stream-Forked-From", "/v1/stream/a");
    assertThat(fork.code()).isEqualTo(501);
    assertThat(plainServer.http().get("__ds/subscriptions/x").code()).isEqualTo(501);
  }
}
