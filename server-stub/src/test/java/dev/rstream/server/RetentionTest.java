package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention on a state stream over real HTTP and a durable store: whole windows go from the oldest,
 * the keyframe index goes with them, reads of a dropped offset answer 410, a read from -1 starts at
 * the oldest keyframe kept and is not cached for good, and a restart keeps all of that.
 */
class RetentionTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String POLICY = "changes=5, interval=3600s";
  private final HttpClient http = HttpClient.newHttpClient();
  @TempDir Path data;
  private StubServer server;

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  private StubServer start(StubServer.Builder builder) throws Exception {
    server = builder.dataDir(data).build().start();
    return server;
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder request(String target) {
    return HttpRequest.newBuilder(URI.create(target)).timeout(Duration.ofSeconds(10));
  }

  private HttpResponse<String> create(String url, String retention) throws Exception {
    HttpRequest.Builder put =
        request(url).header("Content-Type", "application/json").header("Rstream-Keyframes", POLICY);
    if (retention != null) put.header("Rstream-Retention", retention);
    return send(put.PUT(HttpRequest.BodyPublishers.noBody()));
  }

  /** Appends change {@code i} on key k(i mod 5); returns the offset after it. */
  private String append(String url, int i) throws Exception {
    String body =
        "{\"type\":\"item\",\"key\":\"k"
            + (i % 5)
            + "\",\"value\":{\"n\":"
            + i
            + "},\"headers\":{\"operation\":\""
            + (i < 5 ? "insert" : "update")
            + "\"}}";
    HttpResponse<String> r =
        send(
            request(url)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(r.statusCode()).as(r.body()).isIn(200, 204);
    return r.headers().firstValue("Stream-Next-Offset").orElseThrow();
  }

  /** Everything from {@code offset} to the tail, following Stream-Next-Offset. */
  private ArrayNode read(String url, String offset) throws Exception {
    ArrayNode all = JSON.createArrayNode();
    String next = offset;
    while (true) {
      HttpResponse<String> r = send(request(url + "?offset=" + next).GET());
      assertThat(r.statusCode()).as("GET %s: %s", next, r.body()).isEqualTo(200);
      all.addAll((ArrayNode) JSON.readTree(r.body()));
      if (r.headers().firstValue("Stream-Up-To-Date").isPresent()) return all;
      next = r.headers().firstValue("Stream-Next-Offset").orElseThrow();
    }
  }

  private String tail(String url) throws Exception {
    return send(request(url + "?offset=now").GET())
        .headers()
        .firstValue("Stream-Next-Offset")
        .orElseThrow();
  }

  private static void await(String what, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(20);
    }
  }

  /**
   * Appends changes {@code from} to {@code to} (exclusive) in batches of five, each followed by its
   * keyframe (policy: one per 5 changes): the next batch waits for it, so that every window holds
   * exactly five changes. Returns the offset after each change.
   */
  private String[] appendWindows(String url, int from, int to) throws Exception {
    String[] offsets = new String[to];
    for (int i = from; i < to; i++) {
      offsets[i] = append(url, i);
      if ((i + 1) % 5 == 0) {
        String after = offsets[i];
        await("the keyframe after change " + i, () -> lastIndexed(url).equals(after));
      }
    }
    return offsets;
  }

  private String lastIndexed(String url) {
    try {
      ArrayNode index = read(url + ".keyframes", "-1");
      return index.get(index.size() - 1).get("offset").asText();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits until the index lists exactly {@code windows} keyframes, the first where -1 starts. */
  private void awaitTrimmed(String url, int windows) throws Exception {
    await(
        "the index to keep " + windows + " keyframes",
        () -> {
          try {
            ArrayNode index = read(url + ".keyframes", "-1");
            return index.size() == windows
                && index.get(0).get("offset").asText().equals(firstKeyframeStart(url));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private static int snapshots(ArrayNode messages) {
    int n = 0;
    for (JsonNode m : messages) {
      if ("snapshot-start".equals(m.path("headers").path("control").asText())) n++;
    }
    return n;
  }

  /** The offset a read from -1 starts at: its response's ETag names it. */
  private String firstKeyframeStart(String url) throws Exception {
    String etag =
        send(request(url + "?offset=-1").GET()).headers().firstValue("ETag").orElseThrow();
    return etag.substring(1, etag.indexOf(':'));
  }

  private static Map<String, Integer> state(ArrayNode messages) {
    Map<String, Integer> state = new HashMap<>();
    for (JsonNode m : messages) {
      if (m.has("key")) state.put(m.get("key").asText(), m.get("value").get("n").asInt());
    }
    return state;
  }

  @Test
  void retentionDropsTheOldestWindowsAndTheirIndexEntriesAndAnswers410() throws Exception {
    start(StubServer.builder());
    String url = server.streamUrl("kept/orders");
    assertThat(create(url, "windows=2").statusCode()).isEqualTo(201);
    String firstIndexEntryEnd =
        send(request(url + ".keyframes?offset=-1").GET())
            .headers()
            .firstValue("Stream-Next-Offset")
            .orElseThrow();
    String early = appendWindows(url, 0, 25)[2];

    awaitTrimmed(url, 2);

    ArrayNode kept = read(url, "-1");
    assertThat(kept.get(0).get("headers").get("control").asText()).isEqualTo("snapshot-start");
    // The live window (empty, its keyframe at the tail) and the one before it, of 5 changes.
    assertThat(snapshots(kept)).isEqualTo(2);
    assertThat(kept.findValues("operation")).hasSize(5 + 5 + 5);
    assertThat(state(kept))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("k0", 20, "k1", 21, "k2", 22, "k3", 23, "k4", 24));

    HttpResponse<String> gone = send(request(url + "?offset=" + early).GET());
    assertThat(gone.statusCode()).isEqualTo(410);
    assertThat(gone.body()).contains("offset_gone").contains("retention");
    HttpResponse<String> goneLongPoll =
        send(request(url + "?offset=" + early + "&live=long-poll").GET());
    assertThat(goneLongPoll.statusCode()).isEqualTo(410);
    assertThat(send(request(url + ".keyframes?offset=" + firstIndexEntryEnd).GET()).statusCode())
        .isEqualTo(410);

    HttpResponse<String> fromStart = send(request(url + "?offset=-1").GET());
    assertThat(fromStart.headers().firstValue("Cache-Control").orElseThrow())
        .doesNotContain("immutable");
    HttpResponse<String> fromKeyframe =
        send(request(url + "?offset=" + firstKeyframeStart(url)).GET());
    assertThat(fromKeyframe.headers().firstValue("Cache-Control").orElseThrow())
        .contains("immutable");
  }

  @Test
  void aRestartKeepsTheTrimAndTheStreamGoesOn() throws Exception {
    start(StubServer.builder());
    String url = server.streamUrl("kept/restart");
    create(url, "windows=1");
    String early = appendWindows(url, 0, 10)[0];
    awaitTrimmed(url, 1);
    String start = firstKeyframeStart(url);
    server.close();

    start(StubServer.builder());
    url = server.streamUrl("kept/restart");
    assertThat(firstKeyframeStart(url)).isEqualTo(start);
    assertThat(send(request(url + "?offset=" + early).GET()).statusCode()).isEqualTo(410);
    appendWindows(url, 10, 15);
    awaitTrimmed(url, 1);
    assertThat(firstKeyframeStart(url)).isNotEqualTo(start);
    ArrayNode kept = read(url, "-1");
    assertThat(snapshots(kept)).isEqualTo(1);
    assertThat(state(kept)).containsEntry("k4", 14).containsEntry("k0", 10);
  }

  @Test
  void theHeaderIsCheckedAndPartOfTheStreamsConfiguration() throws Exception {
    start(StubServer.builder().retention("windows=3"));
    String url = server.streamUrl("kept/config");
    assertThat(create(url, "windows=0").statusCode()).isEqualTo(400);
    assertThat(create(url, "weeks=2").body()).contains("unknown parameter");
    HttpResponse<String> plain =
        send(
            request(server.streamUrl("plain"))
                .header("Content-Type", "application/json")
                .header("Rstream-Retention", "windows=2")
                .PUT(HttpRequest.BodyPublishers.noBody()));
    assertThat(plain.statusCode()).isEqualTo(400);
    assertThat(plain.body()).contains("needs Rstream-Keyframes");

    // Without the header the server's default applies, and is what the stream was created with.
    assertThat(create(url, null).statusCode()).isEqualTo(201);
    assertThat(create(url, "windows=3").statusCode()).isEqualTo(200);
    assertThat(create(url, "windows=3, age=1h").statusCode()).isEqualTo(409);
  }
}
