package dev.rstream.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Long-poll (spec 5.7) and SSE (spec 5.8) against a live server with short timers. */
class LiveReadTest {
  @RegisterExtension
  static final PlainServer plainServer =
      new PlainServer(
          builder ->
              builder
                  .longPollTimeout(Duration.ofMillis(300))
                  .sseHeartbeat(Duration.ofMillis(200))
                  .sseCycle(Duration.ofMillis(1500)));

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger names = new AtomicInteger();

  private static String stream(String contentType, String body) {
    String path = "live/s" + names.incrementAndGet();
    assertThat(plainServer.http().put(path, contentType, body).code()).isEqualTo(201);
    return path;
  }

  private static void awaitLiveReaders(int count) throws InterruptedException {
    long deadline = System.nanoTime() + SECONDS.toNanos(5);
    while (plainServer.server().liveReaders() != count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "live readers: " + plainServer.server().liveReaders() + ", wanted " + count);
      }
      Thread.sleep(5);
    }
  }

  @Test
  void longPollTimesOutWith204AndCursor() {
    String path = stream("application/json", "[1]");
    String tail = plainServer.http().get(path).nextOffset();
    Http.Reply timedOut = plainServer.http().get(path + "?offset=" + tail + "&live=long-poll");
    assertThat(timedOut.code()).isEqualTo(204);
    assertThat(timedOut.nextOffset()).isEqualTo(tail);
    assertThat(timedOut.header("Stream-Up-To-Date")).isEqualTo("true");
    assertThat(timedOut.header("Stream-Cursor")).matches("[0-9]+");
    assertThat(plainServer.server().liveReaders()).isZero();
  }

  @Test
  void longPollWakesUpWhenDataArrives() throws Exception {
    // A timeout long enough that only a wake-up can answer in time.
    try (StubServer slow =
        StubServer.builder()
            .conventions(new RecordingConventions())
            .longPollTimeout(Duration.ofSeconds(30))
            .build()
            .start()) {
      Http slowHttp = new Http(slow);
      assertThat(slowHttp.put("w", "application/json", "").code()).isEqualTo(201);
      String start = slowHttp.get("w").nextOffset();
      CompletableFuture<Http.Reply> poll =
          CompletableFuture.supplyAsync(
              () -> slowHttp.get("w?offset=" + start + "&live=long-poll"));
      long deadline = System.nanoTime() + SECONDS.toNanos(5);
      while (slow.liveReaders() != 1 && System.nanoTime() < deadline) Thread.sleep(5);
      assertThat(slow.liveReaders()).isEqualTo(1);
      assertThat(slowHttp.post("w", "application/json", "{\"n\":1}").code()).isEqualTo(204);
      Http.Reply woken = poll.get(5, SECONDS);
      assertThat(woken.code()).isEqualTo(200);
      assertThat(woken.body()).isEqualTo("[{\"n\":1}]");
      assertThat(woken.header("Stream-Cursor")).isNotNull();
      assertThat(slow.liveReaders()).isZero();
      slowHttp.close();
    }
  }

  @Test
  void longPollOnClosedStreamAtTailAnswersAtOnce() {
    String path = stream("text/plain", "x");
    Http.Reply closed = plainServer.http().post(path, "text/plain", "", "Stream-Closed", "true");
    Http.Reply poll =
        plainServer.http().get(path + "?offset=" + closed.nextOffset() + "&live=long-poll");
    assertThat(poll.code()).isEqualTo(204);
    assertThat(poll.header("Stream-Closed")).isEqualTo("true");
  }

  @Test
  void sseDeliversExistingThenAppendedData() throws Exception {
    String path = stream("application/json", "[1,2]");
    try (SseEvents sse = new SseEvents(plainServer.http(), path + "?offset=-1&live=sse")) {
      assertThat(sse.response.header("Content-Type")).startsWith("text/event-stream");
      SseEvents.Event data = sse.next();
      assertThat(data.name()).isEqualTo("data");
      assertThat(data.data()).isEqualTo("[1,2]");
      JsonNode control = JSON.readTree(sse.next().data());
      assertThat(control.get("upToDate").asBoolean()).isTrue();
      assertThat(control.get("streamCursor").asText()).matches("[0-9]+");
      String first = control.get("streamNextOffset").asText();

      awaitLiveReaders(1);
      Http.Reply appended = plainServer.http().post(path, "application/json", "[3]");
      assertThat(sse.next().data()).isEqualTo("[3]");
      JsonNode next = JSON.readTree(sse.next().data());
      assertThat(next.get("streamNextOffset").asText())
          .isEqualTo(appended.nextOffset())
          .isGreaterThan(first);
    }
  }

  @Test
  void sseSendsHeartbeatsAndEndsTheConnectionAfterItsCycle() throws Exception {
    String path = stream("application/json", "");
    try (SseEvents sse = new SseEvents(plainServer.http(), path + "?offset=now&live=sse")) {
      assertThat(sse.next().name()).isEqualTo("control");
      SseEvents.Event event = sse.nextRaw();
      assertThat(event.name()).isEqualTo(":comment");
      while (event != SseEvents.END) {
        event = sse.nextRaw();
        assertThat(event.name()).isIn(":comment", "<end>");
      }
    }
    awaitLiveReaders(0);
  }

  @Test
  void sseEndsAfterTheClosingControlEvent() throws Exception {
    String path = stream("text/plain", "a\nb");
    try (SseEvents sse = new SseEvents(plainServer.http(), path + "?offset=-1&live=sse")) {
      assertThat(sse.next().data()).isEqualTo("a\nb");
      sse.next();
      awaitLiveReaders(1);
      plainServer.http().post(path, "text/plain", "c", "Stream-Closed", "true");
      assertThat(sse.next().data()).isEqualTo("c");
      JsonNode control = JSON.readTree(sse.next().data());
      assertThat(control.get("streamClosed").asBoolean()).isTrue();
      assertThat(control.has("streamCursor")).isFalse();
      assertThat(sse.next()).isEqualTo(SseEvents.END);
    }
  }

  @Test
  void sseIsNeverGzippedSoEventsAreNotHeldBack() throws Exception {
    String path = stream("text/plain", "x".repeat(4096));
    okhttp3.Request request =
        new okhttp3.Request.Builder()
            .url(plainServer.server().streamUrl(path + "?offset=-1&live=sse"))
            .header("Accept-Encoding", "gzip")
            .build();
    try (okhttp3.Response response = plainServer.http().client.newCall(request).execute()) {
      assertThat(response.header("Content-Encoding")).isNull();
      okio.BufferedSource source = response.body().source();
      assertThat(source.readUtf8Line()).isEqualTo("event: data");
      assertThat(source.readUtf8Line()).isEqualTo("data:" + "x".repeat(4096));
    }
  }

  @Test
  void sseEncodesBinaryStreamsAsBase64() throws Exception {
    String path = stream("application/octet-stream", "\u0001\u0002binary");
    try (SseEvents sse = new SseEvents(plainServer.http(), path + "?offset=-1&live=sse")) {
      assertThat(sse.response.header("Stream-SSE-Data-Encoding")).isEqualTo("base64");
      String data = sse.next().data();
      assertThat(
              new String(Base64.getDecoder().decode(data), java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo("\u0001\u0002binary");
    }
  }

  @Test
  void sseEndsWhenTheStreamIsDeleted() throws Exception {
    String path = stream("application/json", "");
    try (SseEvents sse = new SseEvents(plainServer.http(), path + "?offset=-1&live=sse")) {
      sse.next();
      awaitLiveReaders(1);
      assertThat(plainServer.http().delete(path).code()).isEqualTo(204);
      assertThat(sse.next()).isEqualTo(SseEvents.END);
    }
    assertThat(plainServer.http().get(path).code()).isEqualTo(404);
  }
}
