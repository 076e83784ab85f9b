package dev.rstream.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad appends get a clear, typed error and append nothing (spec 5.2, 9.1). */
class AppendValidationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger names = new AtomicInteger();
  private static final RecordingConventions conventions = new RecordingConventions();
  private static StubServer server;
  private static Http http;

  @BeforeAll
  static void start() throws Exception {
    server = StubServer.builder().conventions(conventions).maxBodyBytes(1024).build().start();
    http = new Http(server);
  }

  @AfterAll
  static void stop() {
    http.close();
    server.close();
  }

  private static String jsonStream() {
    String path = "append/json-" + names.incrementAndGet();
    assertThat(http.put(path, "application/json", "").code()).isEqualTo(201);
    return path;
  }

  private static void assertError(Http.Reply reply, int status, String code, String... mentions)
      throws Exception {
    assertThat(reply.code()).isEqualTo(status);
    assertThat(reply.header("Content-Type")).isEqualTo("application/json");
    JsonNode error = JSON.readTree(reply.bytes()).get("error");
    assertThat(error.get("code").asText()).isEqualTo(code);
    if (mentions.length > 0) {
      assertThat(error.get("message").asText()).contains(mentions);
    }
  }

  private static void assertEmpty(String path) {
    Http.Reply read = http.get(path + "?offset=-1");
    assertThat(read.code()).isEqualTo(200);
    assertThat(read.body()).isEqualTo("[]");
  }

  @Test
  void malformedJsonIsRejectedWith400() throws Exception {
    String path = jsonStream();
    assertError(http.post(path, "application/json", "{\"a\":1"), 400, "invalid_json", path);
    assertError(http.post(path, "application/json", "{\"a\":1} {\"b\":2}"), 400, "invalid_json");
    assertEmpty(path);
  }

  @Test
  void emptyJsonArrayIsRejectedWith400() throws Exception {
    String path = jsonStream();
    assertError(http.post(path, "application/json", "[]"), 400, "empty_json_array", path);
    assertEmpty(path);
  }

  @Test
  void bodyOverTheLimitIsRejectedWith413() throws Exception {
    String path = jsonStream();
    String big = "[\"" + "x".repeat(2000) + "\"]";
    assertError(http.post(path, "application/json", big), 413, "body_too_large", path);
    assertEmpty(path);
  }

  @Test
  void chunkedBodyOverTheLimitIsRejectedWith413() throws Exception {
    String path = jsonStream();
    String chunk = "[" + "1,".repeat(400) + "1]";
    String request =
        "POST /v1/stream/"
            + path
            + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + Integer.toHexString(chunk.length())
            + "\r\n"
            + chunk
            + "\r\n"
            + Integer.toHexString(chunk.length())
            + "\r\n"
            + chunk
            + "\r\n0\r\n\r\n";
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String response = RawHttp.readAll(socket.getInputStream());
      assertThat(response).startsWith("HTTP/1.1 413").contains("body_too_large");
    }
    assertEmpty(path);
  }

  @Test
  void appendToUnknownStreamIs404() throws Exception {
    assertError(
        http.post("append/nowhere", "application/json", "{}"),
        404,
        "stream_not_found",
        "append/nowhere");
  }

  @Test
  void mismatchedContentTypeIs409() throws Exception {
    String path = jsonStream();
    assertError(http.post(path, "text/plain", "hello"), 409, "content_type_mismatch", path);
    assertEmpty(path);
  }

  @Test
  void partialProducerHeadersAre400() throws Exception {
    String path = jsonStream();
    assertError(
        http.post(path, "application/json", "{}", "Producer-Id", "p", "Producer-Epoch", "0"),
        400,
        "invalid_producer_headers");
    assertError(
        http.postAsProducer(path, "application/json", "{}", "p", "0", "1e3"),
        400,
        "invalid_producer_headers");
    assertEmpty(path);
  }

  @Test
  void emptyBodyWithoutCloseIs400() throws Exception {
    String path = jsonStream();
    assertError(http.post(path, "application/json", ""), 400, "empty_body", path);
  }

  @Test
  void streamSeqRegressionIs409() throws Exception {
    String path = jsonStream();
    assertThat(http.post(path, "application/json", "1", "Stream-Seq", "b").code()).isEqualTo(204);
    assertError(
        http.post(path, "application/json", "2", "Stream-Seq", "a"), 409, "stream_seq_regression");
    assertError(
        http.post(path, "application/json", "2", "Stream-Seq", "b"), 409, "stream_seq_regression");
    assertThat(http.get(path).body()).isEqualTo("[1]");
  }

  @Test
  void appendToClosedStreamIs409WithFinalOffset() throws Exception {
    String path = jsonStream();
    Http.Reply closed = http.post(path, "application/json", "1", "Stream-Closed", "true");
    assertThat(closed.code()).isEqualTo(204);
    Http.Reply refused = http.post(path, "application/json", "2");
    assertError(refused, 409, "stream_closed", path);
    assertThat(refused.header("Stream-Closed")).isEqualTo("true");
    assertThat(refused.nextOffset()).isEqualTo(closed.nextOffset());
  }

  @Test
  void conventionsRejectionIs400AndAppendsNothing() throws Exception {
    String path = jsonStream();
    conventions.events.clear();
    assertError(
        http.post(path, "application/json", "[1, \"" + RecordingConventions.REJECT + "\"]"),
        400,
        "append_rejected",
        "timestamp goes backwards",
        path);
    assertThat(conventions.events.poll(5, SECONDS)).isEqualTo("rejected " + path);
    assertThat(conventions.events).isEmpty();
    assertEmpty(path);
  }

  @Test
  void arraysAreFlattenedOneLevel() {
    String path = jsonStream();
    assertThat(http.post(path, "application/json", "[[1,2], {\"a\":[3]}]").code()).isEqualTo(204);
    assertThat(http.post(path, "application/json", "[[[4]]]").code()).isEqualTo(204);
    assertThat(http.get(path).body()).isEqualTo("[[1,2],{\"a\":[3]},[[4]]]");
  }

  @Test
  void stateProtocolMessagesCarryTheOffsetAfterTheirUnit() throws Exception {
    String path = jsonStream();
    String unit =
        "[{\"type\":\"t\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\","
            + "\"offset\":\"forged\"}},{\"headers\":{\"control\":\"snapshot-end\"}},{\"plain\":true}]";
    Http.Reply appended = http.post(path, "application/json", unit);
    assertThat(appended.code()).isEqualTo(204);
    http.post(path, "application/json", "{\"headers\":{\"operation\":\"delete\"}}");

    JsonNode messages = JSON.readTree(http.get(path).bytes());
    assertThat(messages).hasSize(4);
    assertThat(messages.get(0).get("headers").get("offset").asText())
        .isEqualTo(appended.nextOffset());
    assertThat(messages.get(1).get("headers").get("offset").asText())
        .isEqualTo(appended.nextOffset());
    assertThat(messages.get(2).has("headers")).isFalse();
    // Resuming from the stamped offset returns exactly what came after the unit.
    Http.Reply rest = http.get(path + "?offset=" + appended.nextOffset());
    assertThat(JSON.readTree(rest.bytes())).hasSize(1);
    assertThat(JSON.readTree(rest.bytes()).get(0).get("headers").get("offset").asText())
        .isEqualTo(rest.nextOffset());
  }

  @Test
  void stateProtocolMessagesInTheCreatingBodyAreStampedToo() throws Exception {
    String path = "append/created-" + names.incrementAndGet();
    Http.Reply created =
        http.put(path, "application/json", "[{\"headers\":{\"control\":\"snapshot-start\"}}]");
    assertThat(created.code()).isEqualTo(201);
    JsonNode messages = JSON.readTree(http.get(path).bytes());
    assertThat(messages.get(0).get("headers").get("offset").asText())
        .isEqualTo(created.nextOffset());
  }
}
