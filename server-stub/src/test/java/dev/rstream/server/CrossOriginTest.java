package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CORS for browser apps on another origin (Jetty's CrossOriginHandler): preflights allow the
 * protocol's methods and headers, answers expose the protocol's headers, and the spec 12.7 security
 * headers are on every answer, with or without an Origin.
 */
class CrossOriginTest {
  @RegisterExtension static final PlainServer plainServer = new PlainServer();
  private static final String ORIGIN = "https://app.example";

  private static List<String> list(@Nullable String header) {
    assertThat(header).isNotNull();
    return Arrays.stream(header.split(","))
        .map(value -> value.trim().toLowerCase(Locale.ROOT))
        .collect(Collectors.toList());
  }

  @Test
  void preflightAllowsTheProtocolsMethodsAndRequestHeadersForADay() {
    Http.Reply preflight =
        plainServer
            .http()
            .preflight("cors/any", ORIGIN, "POST", "content-type, producer-id, stream-seq");
    assertThat(preflight.code()).isEqualTo(204);
    assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    assertThat(list(preflight.header("Access-Control-Allow-Methods")))
        .contains("get", "post", "put", "delete", "head");
    assertThat(list(preflight.header("Access-Control-Allow-Headers")))
        .contains(
            "content-type",
            "authorization",
            "if-none-match",
            "stream-seq",
            "stream-ttl",
            "stream-expires-at",
            "stream-closed",
            "producer-id",
            "producer-epoch",
            "producer-seq",
            "rstream-keyframes");
    assertThat(preflight.header("Access-Control-Max-Age")).isEqualTo("86400");
    assertThat(preflight.header("Access-Control-Allow-Credentials")).isNull();
    assertThat(preflight.header("X-Content-Type-Options")).isEqualTo("nosniff");
  }

  @Test
  void crossOriginAnswersExposeTheProtocolHeadersAndVaryByOrigin() {
    Http.Reply created = plainServer.http().put("cors/read", "text/plain", "x", "Origin", ORIGIN);
    assertThat(created.code()).isEqualTo(201);
    Http.Reply read = plainServer.http().get("cors/read?offset=-1", "Origin", ORIGIN);
    assertThat(read.code()).isEqualTo(200);
    assertThat(read.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    assertThat(list(read.header("Access-Control-Expose-Headers")))
        .contains(
            "stream-next-offset",
            "stream-cursor",
            "stream-up-to-date",
            "stream-closed",
            "etag",
            "producer-epoch",
            "producer-seq",
            "producer-expected-seq",
            "producer-received-seq",
            "location",
            "stream-sse-data-encoding");
    assertThat(list(read.headers().values("Vary").stream().collect(Collectors.joining(","))))
        .contains("origin");
    // Preflight answers only: not repeated on every read.
    assertThat(read.header("Access-Control-Allow-Methods")).isNull();
    assertThat(read.header("Access-Control-Allow-Headers")).isNull();
  }

  @Test
  void refusalsAreReadableCrossOrigin() {
    Http.Reply missing = plainServer.http().get("cors/missing?offset=-1", "Origin", ORIGIN);
    assertThat(missing.code()).isEqualTo(404);
    assertThat(missing.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    assertThat(missing.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(missing.header("Cross-Origin-Resource-Policy")).isEqualTo("cross-origin");
  }

  @Test
  void requestsWithoutOriginGetSecurityHeadersButNoCors() {
    assertThat(plainServer.http().put("cors/plain", "text/plain", "x").code()).isEqualTo(201);
    Http.Reply read = plainServer.http().get("cors/plain?offset=-1");
    assertThat(read.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(read.header("Cross-Origin-Resource-Policy")).isEqualTo("cross-origin");
    assertThat(read.header("Access-Control-Allow-Origin")).isNull();
    assertThat(read.header("Access-Control-Expose-Headers")).isNull();
  }

  @Test
  void activeContentIsServedSandboxedSoItCannotRunAsThisOrigin() {
    assertThat(
            plainServer
                .http()
                .put("cors/page", "text/html", "<script>alert(document.cookie)</script>")
                .code())
        .isEqualTo(201);
    Http.Reply read = plainServer.http().get("cors/page?offset=-1");
    assertThat(read.code()).isEqualTo(200);
    assertThat(read.header("Content-Type")).startsWith("text/html");
    assertThat(read.header("Content-Security-Policy"))
        .contains("sandbox")
        .contains("default-src 'none'");
  }
}
