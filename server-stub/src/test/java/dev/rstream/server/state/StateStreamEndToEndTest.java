package dev.rstream.server.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.rstream.server.StubServer;
import dev.rstream.server.http.StreamHandler;
import dev.rstream.server.storage.MemoryLogStore;
import dev.rstream.server.workload.Workload;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The conventions behind the real HTTP layer (Jetty, real sockets), fed by the demo workload.
 * Checks what a client sees: stamped and ordered timestamps, exact keyframes, an index whose
 * offsets start reads at a snapshot-start, 400/409 answers, and the index going with its stream.
 */
class StateStreamEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private MemoryLogStore store;
  private RealStreamConventions conventions;
  private StubServer server;
  private String url;

  @BeforeEach
  void start() throws Exception {
    store = new MemoryLogStore();
    conventions =
        RealStreamConventions.builder().store(store).offsetFormat(StreamHandler.OFFSETS).build();
    server = StubServer.builder().store(store).conventions(conventions).build().start();
    url = server.streamUrl("demo/orders");
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    conventions.close();
    store.close();
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder request(String target) {
    return HttpRequest.newBuilder(URI.create(target)).timeout(Duration.ofSeconds(10));
  }

  private HttpResponse<String> post(String body) throws Exception {
    return send(
        request(url)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private HttpResponse<String> put(String target, String policy) throws Exception {
    return send(
        request(target)
            .header("Content-Type", "application/json")
            .header("Rstream-Keyframes", policy)
            .PUT(HttpRequest.BodyPublishers.noBody()));
  }

  /**
   * Everything from the target's offset to the tail. A catch-up chunk of a state stream ends where
   * the next keyframe starts, so this follows {@code Stream-Next-Offset} until up to date.
   */
  private JsonNode read(String target) throws Exception {
    String base = target.substring(0, target.indexOf("?offset="));
    ArrayNode all = JSON.createArrayNode();
    String next = target;
    while (true) {
      HttpResponse<String> r = send(request(next).GET());
      assertThat(r.statusCode()).as("GET %s: %s", next, r.body()).isEqualTo(200);
      all.addAll((ArrayNode) JSON.readTree(r.body()));
      if (r.headers().firstValue("Stream-Up-To-Date").isPresent()) return all;
      next = base + "?offset=" + r.headers().firstValue("Stream-Next-Offset").orElseThrow();
    }
  }

  private static int changesAfterLastKeyframe(JsonNode messages) {
    int n = 0;
    for (JsonNode m : messages) {
      if ("snapshot-end".equals(m.path("headers").path("control").asText())) n = 0;
      else if (m.path("headers").has("operation")) n++;
    }
    return n;
  }

  private int snapshotStarts(JsonNode messages) {
    int n = 0;
    for (JsonNode m : messages)
      if ("snapshot-start".equals(m.path("headers").path("control").asText())) n++;
    return n;
  }

  @Test
  void workloadOnAStateStreamYieldsOrderedTimestampsExactKeyframesAndAMatchingIndex()
      throws Exception {
    Workload.builder()
        .streamUrl(URI.create(url))
        .rate(5000)
        .count(95)
        .seed(3)
        .simulatedClock(Duration.ofMinutes(1))
        .keyframePolicy("changes=20, interval=1h")
        .build()
        .run();
    assertThat(
            post("{\"type\":\"note\",\"key\":\"n1\",\"value\":\"hi\",\"headers\":{\"operation\":\"insert\"}}")
                .statusCode())
        .isEqualTo(204);

    // Keyframes are written on the conventions' thread, and how many depends on how many changes
    // land while one is in flight: wait until it is done (every keyframe indexed, none due).
    JsonNode index = read(url + ".keyframes?offset=-1");
    JsonNode all = read(url + "?offset=-1");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while ((index.size() != snapshotStarts(all) || changesAfterLastKeyframe(all) >= 20)
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      index = read(url + ".keyframes?offset=-1");
      all = read(url + "?offset=-1");
    }
    assertThat(changesAfterLastKeyframe(all)).isLessThan(20);
    assertThat(index).hasSize(snapshotStarts(all));
    assertThat(index.size()).isGreaterThanOrEqualTo(3); // the first, then one per 20+ changes

    Instant previous = Instant.MIN;
    for (JsonNode m : all) {
      String t = m.path("headers").path("timestamp").asText(null);
      if (m.path("headers").has("operation")) assertThat(t).as("stamped: %s", m).isNotNull();
      if (t == null) continue;
      Instant instant = Rfc3339.parse(t);
      assertThat(instant).as("order at %s", m).isAfterOrEqualTo(previous);
      previous = instant;
    }

    for (JsonNode entry : index) {
      JsonNode fromKeyframe = read(url + "?offset=" + entry.get("offset").asText());
      JsonNode start = fromKeyframe.get(0);
      assertThat(start.path("headers").path("control").asText()).isEqualTo("snapshot-start");
      assertThat(start.path("headers").path("timestamp").asText(null))
          .isEqualTo(entry.path("timestamp").asText(null));
      assertThat(keyframeState(fromKeyframe)).isEqualTo(replayBefore(all, start));
    }
  }

  @Test
  void badAppendsAndPoliciesGetClearAnswersAndTheIndexGoesWithItsStream() throws Exception {
    assertThat(put(url, "changes=5").statusCode()).isEqualTo(201);
    assertThat(put(url, "interval=60s,changes=5").statusCode()).isEqualTo(200);
    assertThat(put(url, "changes=6").statusCode()).isEqualTo(409);
    HttpResponse<String> junk = put(url + "2", "changes=zz");
    assertThat(junk.statusCode()).isEqualTo(400);
    assertThat(junk.body()).contains("Rstream-Keyframes");

    assertThat(
            post("{\"type\":\"t\",\"key\":\"a\",\"value\":1,\"headers\":{\"operation\":\"insert\"}}")
                .statusCode())
        .isEqualTo(204);
    HttpResponse<String> old =
        post(
            "{\"type\":\"t\",\"key\":\"b\",\"value\":2,\"headers\":{\"operation\":\"insert\",\"timestamp\":\"2000-01-01T00:00:00Z\"}}");
    assertThat(old.statusCode()).isEqualTo(400);
    assertThat(old.body()).contains("earlier than the stream's last timestamp");
    HttpResponse<String> upsert =
        post(
            "[{\"type\":\"t\",\"key\":\"c\",\"value\":3,\"headers\":{\"operation\":\"insert\"}},"
                + "{\"type\":\"t\",\"key\":\"d\",\"value\":4,\"headers\":{\"operation\":\"upsert\"}}]");
    assertThat(upsert.statusCode()).isEqualTo(400);
    JsonNode all = read(url + "?offset=-1");
    assertThat(all).hasSize(3); // first keyframe (2) + t/a: nothing of the rejected units

    assertThat(send(request(url).DELETE()).statusCode()).isEqualTo(204);
    assertThat(send(request(url + ".keyframes?offset=-1").GET()).statusCode()).isEqualTo(404);

    // Re-created: a fresh stream with a fresh index of one entry.
    assertThat(put(url, "changes=5").statusCode()).isEqualTo(201);
    assertThat(read(url + "?offset=-1")).hasSize(2);
    assertThat(read(url + ".keyframes?offset=-1")).hasSize(1);
  }

  @Test
  void newStateStreamTakesBackFilledHistoryAndItsFirstKeyframeHasNoTimestamp() throws Exception {
    assertThat(put(url, "changes=2").statusCode()).isEqualTo(201);
    JsonNode first = read(url + "?offset=-1");
    assertThat(first).hasSize(2);
    assertThat(first.get(0).path("headers").has("timestamp")).isFalse();
    JsonNode firstEntry = read(url + ".keyframes?offset=-1").get(0);
    assertThat(firstEntry.has("timestamp")).isFalse();

    HttpResponse<String> imported =
        post(
            "[{\"type\":\"t\",\"key\":\"a\",\"value\":1,"
                + "\"headers\":{\"operation\":\"insert\",\"timestamp\":\"2026-01-01T00:00:00Z\"}},"
                + "{\"type\":\"t\",\"key\":\"b\",\"value\":2,"
                + "\"headers\":{\"operation\":\"insert\",\"timestamp\":\"2026-01-01T00:00:01Z\"}}]");
    assertThat(imported.statusCode()).as(imported.body()).isEqualTo(204);
    HttpResponse<String> backwards =
        post(
            "{\"type\":\"t\",\"key\":\"c\",\"value\":3,"
                + "\"headers\":{\"operation\":\"insert\",\"timestamp\":\"2025-12-31T00:00:00Z\"}}");
    assertThat(backwards.statusCode()).isEqualTo(400);

    // The keyframe after the import carries the time of its last change, not the wall clock.
    JsonNode index = waitForIndexEntries(2);
    assertThat(index.get(1).path("timestamp").asText()).isEqualTo("2026-01-01T00:00:01.000Z");
  }

  private JsonNode waitForIndexEntries(int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      JsonNode index = read(url + ".keyframes?offset=-1");
      if (index.size() >= n) return index;
      assertThat(System.nanoTime()).as("index entries: %s", index).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static Map<String, JsonNode> keyframeState(JsonNode fromKeyframe) {
    Map<String, JsonNode> state = new LinkedHashMap<>();
    for (int i = 1; i < fromKeyframe.size(); i++) {
      JsonNode m = fromKeyframe.get(i);
      if ("snapshot-end".equals(m.path("headers").path("control").asText())) return state;
      state.put(m.get("type").asText() + "/" + m.get("key").asText(), m.get("value"));
    }
    throw new AssertionError("keyframe without snapshot-end");
  }

  /** The State Protocol rules applied to every message before {@code stop} (by identity). */
  private static Map<String, JsonNode> replayBefore(JsonNode all, JsonNode stop) {
    Map<String, JsonNode> state = new LinkedHashMap<>();
    for (JsonNode m : all) {
      if (m.equals(stop)) return state;
      JsonNode h = m.path("headers");
      String op = h.path("operation").asText(null);
      if (op != null) {
        String k = m.get("type").asText() + "/" + m.get("key").asText();
        if (op.equals("delete")) state.remove(k);
        else state.put(k, m.get("value"));
      } else if ("snapshot-start".equals(h.path("control").asText())
          || "reset".equals(h.path("control").asText())) {
        state.clear();
      }
    }
    throw new AssertionError("keyframe not in the stream: " + stop);
  }
}
