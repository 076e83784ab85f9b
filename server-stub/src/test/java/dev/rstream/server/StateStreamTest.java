package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * State streams through the real conventions (the server's default): keyframes and index entries go
 * through the same append path as clients, so their offsets are the ones readers see.
 */
class StateStreamTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static StubServer server;
  private static Http http;

  @BeforeAll
  static void start() throws Exception {
    server = StubServer.builder().longPollTimeout(Duration.ofSeconds(5)).build().start();
    http = new Http(server);
  }

  @AfterAll
  static void stop() {
    http.close();
    server.close();
  }

  private static String change(String key, int value) {
    return "{\"type\":\"item\",\"key\":\""
        + key
        + "\",\"value\":"
        + value
        + ",\"headers\":{\"operation\":\"insert\"}}";
  }

  /** Reads the index until it holds {@code count} entries, waiting with long-polls. */
  private static JsonNode index(String path, int count) throws Exception {
    JsonNode entries = JSON.createArrayNode();
    String offset = "-1";
    for (int polls = 0; entries.size() < count && polls < 20; polls++) {
      Http.Reply reply =
          http.get(
              path
                  + ".keyframes?offset="
                  + offset
                  + (offset.equals("-1") ? "" : "&live=long-poll"));
      if (reply.code() == 200) {
        for (JsonNode entry : JSON.readTree(reply.bytes())) {
          ((com.fasterxml.jackson.databind.node.ArrayNode) entries).add(entry);
        }
      }
      offset = reply.nextOffset();
    }
    assertThat(entries).hasSize(count);
    return entries;
  }

  @Test
  void stateStreamBeginsWithAKeyframeAndIndexesEveryKeyframeAtItsOffset() throws Exception {
    String path = "state/room";
    Http.Reply created =
        http.put(path, "application/json", "", "Rstream-Keyframes", "changes=2, interval=60s");
    assertThat(created.code()).isEqualTo(201);
    JsonNode first = JSON.readTree(http.get(path).bytes());
    assertThat(first.get(0).get("headers").get("control").asText()).isEqualTo("snapshot-start");

    assertThat(http.post(path, "application/json", change("a", 1)).code()).isEqualTo(204);
    assertThat(http.post(path, "application/json", change("b", 2)).code()).isEqualTo(204);

    JsonNode index = index(path, 2);
    for (JsonNode entry : index) {
      String offset = entry.get("offset").asText();
      JsonNode fromKeyframe = JSON.readTree(http.get(path + "?offset=" + offset).bytes());
      assertThat(fromKeyframe.get(0).get("headers").get("control").asText())
          .as("reading from index offset %s", offset)
          .isEqualTo("snapshot-start");
    }
    // Every change got the server's receive time; only the initial, empty keyframe has none.
    JsonNode all = JSON.readTree(http.get(path).bytes());
    for (int i = 2; i < all.size(); i++) {
      assertThat(all.get(i).get("headers").get("timestamp").asText()).endsWith("Z");
    }
    assertThat(all.get(0).get("headers").has("timestamp")).isFalse();
  }

  @Test
  void timestampGoingBackwardsIs400AndAppendsNothing() throws Exception {
    String path = "state/clock";
    http.put(path, "application/json", "", "Rstream-Keyframes", "changes=100");
    String late =
        "{\"type\":\"t\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\","
            + "\"timestamp\":\"2100-01-01T00:00:00.000Z\"}}";
    String early = late.replace("2100", "2000");
    assertThat(http.post(path, "application/json", late).code()).isEqualTo(204);
    String tail = http.head(path).nextOffset();
    Http.Reply refused =
        http.post(path, "application/json", "[" + change("x", 1) + "," + early + "]");
    assertThat(refused.code()).isEqualTo(400);
    assertThat(refused.body()).contains("append_rejected").contains(path);
    assertThat(http.head(path).nextOffset()).isEqualTo(tail);
  }

  @Test
  void recreatingWithAnotherPolicyIs409() {
    String path = "state/policy";
    assertThat(http.put(path, "application/json", "", "Rstream-Keyframes", "changes=5").code())
        .isEqualTo(201);
    assertThat(http.put(path, "application/json", "", "Rstream-Keyframes", "changes=5").code())
        .isEqualTo(200);
    assertThat(http.put(path, "application/json", "", "Rstream-Keyframes", "changes=6").code())
        .isEqualTo(409);
    assertThat(http.put(path, "application/json", "").code()).isEqualTo(409);
    assertThat(http.put("state/bad", "application/json", "", "Rstream-Keyframes", "often").code())
        .isEqualTo(400);
  }

  @Test
  void deletingAStateStreamDeletesItsIndex() {
    String path = "state/gone";
    http.put(path, "application/json", "", "Rstream-Keyframes", "changes=5");
    assertThat(http.get(path + ".keyframes").code()).isEqualTo(200);
    assertThat(http.delete(path).code()).isEqualTo(204);
    assertThat(http.get(path).code()).isEqualTo(404);
    assertThat(http.get(path + ".keyframes").code()).isEqualTo(404);
    // And the path can be a state stream again, with a fresh index.
    assertThat(http.put(path, "application/json", "", "Rstream-Keyframes", "changes=5").code())
        .isEqualTo(201);
    assertThat(http.get(path + ".keyframes").code()).isEqualTo(200);
  }
}
