package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** With a bearer token set, only requests that carry it reach the streams. */
class BearerTokenTest {
  @RegisterExtension
  static final PlainServer plainServer = new PlainServer(builder -> builder.bearerToken("s3cret"));

  @Test
  void requestWithoutTheTokenIs401AndCreatesNothing() {
    Http.Reply refused = plainServer.http().put("private", "text/plain", "x");
    assertThat(refused.code()).isEqualTo(401);
    assertThat(refused.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(
            plainServer
                .http()
                .put("private", "text/plain", "x", "Authorization", "Bearer wrong")
                .code())
        .isEqualTo(401);
    assertThat(plainServer.http().get("private", "Authorization", "Bearer s3cret").code())
        .isEqualTo(404);
  }

  @Test
  void requestWithTheTokenWorksAndCachesArePrivate() {
    assertThat(
            plainServer
                .http()
                .put("mine", "text/plain", "x", "Authorization", "Bearer s3cret")
                .code())
        .isEqualTo(201);
    Http.Reply read = plainServer.http().get("mine?offset=-1", "Authorization", "Bearer s3cret");
    assertThat(read.body()).isEqualTo("x");
    assertThat(read.header("Cache-Control")).startsWith("private");
  }

  @Test
  void corsPreflightNeedsNoToken() {
    Http.Reply preflight =
        plainServer.http().preflight("mine", "https://app.example", "GET", "authorization");
    assertThat(preflight.code()).isEqualTo(204);
    assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
    assertThat(preflight.header("Access-Control-Allow-Headers")).contains("Authorization");
  }
}
