package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** With a bearer token set, only requests that carry it reach the streams. */
class BearerTokenTest {
  private static StubServer server;
  private static Http http;

  @BeforeAll
  static void start() throws Exception {
    server =
        StubServer.builder()
            .conventions(new RecordingConventions())
            .bearerToken("s3cret")
            .build()
            .start();
    http = new Http(server);
  }

  @AfterAll
  static void stop() {
    http.close();
    server.close();
  }

  @Test
  void requestWithoutTheTokenIs401AndCreatesNothing() {
    Http.Reply refused = http.put("private", "text/plain", "x");
    assertThat(refused.code()).isEqualTo(401);
    assertThat(refused.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(http.put("private", "text/plain", "x", "Authorization", "Bearer wrong").code())
        .isEqualTo(401);
    assertThat(http.get("private", "Authorization", "Bearer s3cret").code()).isEqualTo(404);
  }

  @Test
  void requestWithTheTokenWorksAndCachesArePrivate() {
    assertThat(http.put("mine", "text/plain", "x", "Authorization", "Bearer s3cret").code())
        .isEqualTo(201);
    Http.Reply read = http.get("mine?offset=-1", "Authorization", "Bearer s3cret");
    assertThat(read.body()).isEqualTo("x");
    assertThat(read.header("Cache-Control")).startsWith("private");
  }

  @Test
  void corsPreflightNeedsNoToken() {
    Http.Reply preflight =
        http.call(
            http.request("mine")
                .method("OPTIONS", null)
                .header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization")
                .build());
    assertThat(preflight.code()).isEqualTo(204);
    assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
    assertThat(preflight.header("Access-Control-Allow-Headers")).contains("Authorization");
  }
}
