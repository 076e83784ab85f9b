package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The optional bearer-token check: every route refuses a missing, wrong or expired token with the
 * same 401, the accepted token rotates at runtime (from a supplier or a file), and no token ever
 * reaches the server's log.
 */
class BearerAuthTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final MediaType JSON = MediaType.get("application/json");

  private final OkHttpClient client =
      new OkHttpClient.Builder()
          .readTimeout(10, TimeUnit.SECONDS)
          .retryOnConnectionFailure(false)
          .build();
  private StubServer server;

  @AfterEach
  void stop() {
    if (server != null) server.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private StubServer start(StubServer.Builder builder) throws IOException {
    server =
        builder
            .sseCycle(Duration.ofMillis(300))
            .longPollTimeout(Duration.ofMillis(300))
            .build()
            .start();
    return server;
  }

  @Test
  void everyRouteRefusesAWrongTokenWithTheSameJson401() throws Exception {
    AtomicReference<String> accepted = new AtomicReference<>("tok-good-1");
    start(StubServer.builder().bearerToken(accepted::get));
    assertThat(call(put("state", "tok-good-1").header("Rstream-Keyframes", "changes=100")).code())
        .isEqualTo(201);
    assertThat(
            call(post(
                    "state",
                    "tok-good-1",
                    "[{\"type\":\"t\",\"key\":\"k\",\"value\":1,"
                        + "\"headers\":{\"operation\":\"insert\"}}]"))
                .code())
        .isEqualTo(204);
    String tail = call(get("state?offset=-1", "tok-good-1")).header("Stream-Next-Offset");

    List<Request.Builder> routes =
        List.of(
            put("other", "tok-wrong"),
            post("state", "tok-wrong", "[{}]"),
            get("state?offset=-1", "tok-wrong"),
            get("state?offset=now&live=long-poll", "tok-wrong"),
            get("state?offset=now&live=sse", "tok-wrong").header("Accept", "text/event-stream"),
            get("state.keyframes?offset=-1", "tok-wrong"),
            get("state?offset=-1", null),
            new Request.Builder()
                .url(server.streamUrl("state"))
                .head()
                .header("Authorization", "Bearer tok-wrong"),
            new Request.Builder()
                .url(server.streamUrl("state"))
                .delete()
                .header("Authorization", "Bearer tok-wrong"),
            get("state?offset=-1", "").header("Authorization", "Basic dG9rLWdvb2QtMQ=="));
    for (Request.Builder route : routes) {
      // From a browser app: the 401 must be readable cross-origin, so that it can ask for a token.
      Request request = route.header("Origin", "https://app.example").build();
      try (Response response = client.newCall(request).execute()) {
        assertThat(response.code()).as("%s %s", request.method(), request.url()).isEqualTo(401);
        assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer");
        assertThat(response.header("Cache-Control")).isEqualTo("no-store");
        assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
        if (!request.method().equals("HEAD")) {
          JsonNode error = MAPPER.readTree(response.body().string()).get("error");
          assertThat(error.get("code").asText()).isEqualTo("unauthorized");
          assertThat(error.get("message").asText()).doesNotContain("tok-");
        }
      }
    }
    // Nothing refused was applied: the same tail, no stream "other".
    assertThat(call(get("other?offset=-1", "tok-good-1")).code()).isEqualTo(404);
    assertThat(call(get("state?offset=-1", "tok-good-1")).header("Stream-Next-Offset"))
        .isEqualTo(tail);
    // The scheme is case-insensitive (RFC 7235), and the keyframe index is served with the token.
    assertThat(
            call(get("state.keyframes?offset=-1", "").header("Authorization", "bearer tok-good-1"))
                .code())
        .isEqualTo(200);
  }

  @Test
  void rotatingTheAcceptedTokenExpiresTheOldOneAtTheNextRequest() throws Exception {
    AtomicReference<String> accepted = new AtomicReference<>("tok-old");
    start(StubServer.builder().bearerToken(accepted::get));
    assertThat(call(put("s", "tok-old")).code()).isEqualTo(201);
    accepted.set("tok-new");
    assertThat(call(get("s?offset=-1", "tok-old")).code()).isEqualTo(401);
    assertThat(call(get("s?offset=-1", "tok-new")).code()).isEqualTo(200);
    accepted.set(null);
    assertThat(call(get("s?offset=-1", "tok-new")).code()).isEqualTo(401);
    assertThat(call(get("s?offset=-1", "")).code()).isEqualTo(401);
  }

  @Test
  void anSseConnectionOutlivesItsTokenUntilItsCycleEndsThenTheReconnectIsRefused()
      throws Exception {
    AtomicReference<String> accepted = new AtomicReference<>("tok-a");
    start(StubServer.builder().bearerToken(accepted::get));
    assertThat(call(put("s", "tok-a")).code()).isEqualTo(201);
    try (Response sse = client.newCall(get("s?offset=-1&live=sse", "tok-a").build()).execute()) {
      assertThat(sse.code()).isEqualTo(200);
      accepted.set("tok-b");
      // The stream ends at its cycle (300 ms); the read timeout bounds the wait.
      BufferedSource body = sse.body().source();
      while (body.readUtf8Line() != null) {
        // drain to the end of the cycle
      }
    }
    assertThat(call(get("s?offset=-1&live=sse", "tok-a")).code()).isEqualTo(401);
    assertThat(call(get("s?offset=-1&live=sse", "tok-b")).code()).isEqualTo(200);
  }

  @Test
  void noTokenConfiguredNeedsNoAuthorization() throws Exception {
    start(StubServer.builder());
    assertThat(call(put("open", null)).code()).isEqualTo(201);
    assertThat(call(get("open?offset=-1", "anything")).code()).isEqualTo(200);
    try (Response read = client.newCall(get("open?offset=-1", null).build()).execute()) {
      assertThat(read.header("Cache-Control")).startsWith("public");
    }
  }

  @Test
  void theTokenFileIsReadAgainWhenReplacedAndAMissingFileAcceptsNothing(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("token");
    replace(file, "tok-file-1\n");
    start(StubServer.builder().bearerTokenFile(file));
    assertThat(call(put("f", "tok-file-1")).code()).isEqualTo(201);

    replace(file, "tok-file-2");
    assertThat(call(get("f?offset=-1", "tok-file-1")).code()).isEqualTo(401);
    assertThat(call(get("f?offset=-1", "tok-file-2")).code()).isEqualTo(200);

    Files.delete(file);
    assertThat(call(get("f?offset=-1", "tok-file-2")).code()).isEqualTo(401);
    replace(file, "tok-file-3");
    assertThat(call(get("f?offset=-1", "tok-file-3")).code()).isEqualTo(200);
  }

  @Test
  void serverMainTakesTheTokenFromAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    replace(file, "tok-cli");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                ServerMain.class.getName(),
                "--port",
                "0",
                "--memory",
                "--bearer-token-file",
                file.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      String url =
          new java.io.BufferedReader(
                  new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
              .readLine();
      assertThat(url).startsWith("http://");
      Request.Builder create =
          new Request.Builder()
              .url(url + "/v1/stream/cli")
              .put(RequestBody.create(new byte[0], MediaType.get("text/plain")));
      assertThat(call(create.header("Authorization", "Bearer wrong")))
          .extracting(Response::code)
          .isEqualTo(401);
      assertThat(call(create.header("Authorization", "Bearer tok-cli")).code()).isEqualTo(201);
    } finally {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void noTokenReachesTheServerLogEvenWhenTheSupplierFailsOrTheFileGoes(@TempDir Path dir)
      throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    // slf4j-simple looks System.err up on every line, so swapping it captures the server's log.
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      AtomicReference<String> accepted = new AtomicReference<>("tok-secret-A");
      start(
          StubServer.builder()
              .bearerToken(
                  () -> {
                    String token = accepted.get();
                    if (token.equals("boom"))
                      throw new IllegalStateException("vault said tok-secret-A");
                    return token;
                  }));
      assertThat(call(put("l", "tok-secret-A")).code()).isEqualTo(201);
      assertThat(call(get("l?offset=-1", "tok-secret-B")).code()).isEqualTo(401);
      accepted.set("boom");
      assertThat(call(get("l?offset=-1", "tok-secret-A")).code()).isEqualTo(401);
      server.close();

      Path file = dir.resolve("token");
      replace(file, "tok-secret-C");
      start(StubServer.builder().bearerTokenFile(file));
      assertThat(call(put("l", "tok-secret-C")).code()).isEqualTo(201);
      Files.delete(file);
      assertThat(call(get("l?offset=-1", "tok-secret-C")).code()).isEqualTo(401);
      server.close();
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    // The failures were logged (so the capture works), without a token.
    assertThat(log).contains("bearer token").doesNotContain("tok-secret");
  }

  private static void replace(Path file, String content) throws IOException {
    Path next = file.resolveSibling(file.getFileName() + ".next");
    Files.writeString(next, content);
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private Request.Builder get(String pathAndQuery, String token) {
    return authorized(new Request.Builder().url(server.streamUrl(pathAndQuery)), token);
  }

  private Request.Builder put(String path, String token) {
    return authorized(
        new Request.Builder()
            .url(server.streamUrl(path))
            .put(RequestBody.create(new byte[0], JSON)),
        token);
  }

  private Request.Builder post(String path, String token, String json) {
    return authorized(
        new Request.Builder().url(server.streamUrl(path)).post(RequestBody.create(json, JSON)),
        token);
  }

  private static Request.Builder authorized(Request.Builder request, String token) {
    return token == null || token.isEmpty()
        ? request
        : request.header("Authorization", "Bearer " + token);
  }

  private Response call(Request.Builder request) throws IOException {
    try (Response response = client.newCall(request.build()).execute()) {
      response.body().bytes();
      return response;
    }
  }
}
