package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.server.storage.MemoryLogStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Stream paths that try to escape or smuggle separators are refused, and nothing is created. */
class StreamPathTest {
  private static final MemoryLogStore store = new MemoryLogStore();
  private static StubServer server;

  @BeforeAll
  static void start() throws Exception {
    server =
        StubServer.builder().store(store).conventions(new RecordingConventions()).build().start();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    store.close();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v1/stream/a/../b",
        "/v1/stream/../../etc/passwd",
        "/v1/stream/a/%2e%2e/b",
        "/v1/stream/%2E%2E",
        "/v1/stream/a/%2fb",
        "/v1/stream//etc/passwd",
        "/v1/stream/a//b",
        "/v1/stream/a/./b",
        "/v1/stream/a/",
        "/v1/stream/a%00b",
        "/v1/stream/a%20b",
        "/v1/stream/a\\b",
      })
  void escapingPathIsRejected(String path) throws Exception {
    int streams = store.streams().size();
    int status =
        RawHttp.status(
            server.port(),
            "PUT "
                + path
                + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 0");
    assertThat(status).isEqualTo(400);
    assertThat(store.streams()).hasSize(streams);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/stream/a/b.c/d-e_f~g:h@i+j", "/v1/stream/x%3Ay"})
  void ordinaryPathIsAccepted(String path) throws Exception {
    int status =
        RawHttp.status(
            server.port(),
            "PUT "
                + path
                + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 0");
    assertThat(status).isEqualTo(201);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/stream", "/v1/streams/a", "/etc/passwd"})
  void pathOutsideTheStreamRootIs404(String path) throws Exception {
    int status = RawHttp.status(server.port(), "GET " + path + " HTTP/1.1\r\nHost: x");
    assertThat(status).isEqualTo(404);
  }

  @org.junit.jupiter.api.Test
  void errorsJettyRaisesItselfAreJsonToo() throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket
          .getOutputStream()
          .write(
              "GET /v1/stream/a/%2e%2e/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String response = RawHttp.readAll(socket.getInputStream());
      assertThat(response)
          .startsWith("HTTP/1.1 400")
          .contains("Content-Type: application/json")
          .contains("X-Content-Type-Options: nosniff")
          .contains("{\"error\":{\"code\":\"bad_request\",\"message\":");
    }
  }

  @org.junit.jupiter.api.Test
  void overlongPathIsRejected() throws Exception {
    int status =
        RawHttp.status(
            server.port(),
            "PUT /v1/stream/" + "a".repeat(600) + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0");
    assertThat(status).isEqualTo(400);
  }
}
