package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One client must not break a state stream for every reader: what is not a State Protocol change, a
 * control, a timestamp the server could not read back, and writes to the server's keyframe index
 * are refused with nothing appended.
 */
final class StateStreamAbuseTest {
  private static StubServer server;
  private static Http http;

  @BeforeAll
  static void start() throws Exception {
    server = StubServer.builder().longPollTimeout(Duration.ofSeconds(2)).build().start();
    http = new Http(server);
  }

  @AfterAll
  static void stop() {
    http.close();
    server.close();
  }

  private static void createState(String path) {
    assertThat(
            http.put(path, "application/json", "", "Rstream-Keyframes", "changes=100, interval=60s")
                .code())
        .isEqualTo(201);
  }

  private static String change(String key, String headers) {
    return "{\"type\":\"item\",\"key\":\"" + key + "\",\"value\":1,\"headers\":{" + headers + "}}";
  }

  private static String tail(String path) {
    return http.get(path + "?offset=now").nextOffset();
  }

  @Test
  void whatIsNotAChangeIsRefusedWithNothingAppended() {
    String path = "abuse/not-a-change";
    createState(path);
    String before = tail(path);
    List<String> bodies =
        List.of(
            "[1,\"x\",null]",
            "{\"type\":\"item\",\"key\":\"k\",\"value\":1}",
            "{\"headers\":{\"control\":\"foo\"}}",
            "{\"headers\":{\"control\":\"snapshot-end\"}}",
            "{\"headers\":{\"control\":\"snapshot-start\"}}",
            "["
                + change("a", "\"operation\":\"insert\"")
                + ",{\"headers\":{\"control\":\"snapshot-start\"}}]",
            change("a", "\"operation\":\"insert\",\"control\":\"snapshot-end\""),
            "{\"type\":\"item\",\"key\":\"k\",\"value\":1,\"headers\":5}");
    for (String body : bodies) {
      Http.Reply reply = http.post(path, "application/json", body);
      assertThat(reply.code()).as(body).isEqualTo(400);
      assertThat(reply.body()).as(body).contains("nothing appended");
      assertThat(tail(path)).as(body).isEqualTo(before);
    }
    assertThat(http.post(path, "application/json", change("a", "\"operation\":\"insert\"")).code())
        .isEqualTo(204);
  }

  @Test
  void timestampPastYear9999IsRefusedAndTheLatestOneRoundTrips() {
    String path = "abuse/year-10000";
    createState(path);
    String before = tail(path);
    for (String late : List.of("9999-12-31T23:59:59.9999Z", "9999-12-31T23:30:00-01:00")) {
      Http.Reply refused =
          http.post(
              path,
              "application/json",
              change("a", "\"operation\":\"insert\",\"timestamp\":\"" + late + "\""));
      assertThat(refused.code()).as(late).isEqualTo(400);
      assertThat(tail(path)).isEqualTo(before);
    }
    assertThat(
            http.post(
                    path,
                    "application/json",
                    change(
                        "a", "\"operation\":\"insert\",\"timestamp\":\"9999-12-31T23:59:59.999Z\""))
                .code())
        .isEqualTo(204);
    // Stamped by the server: never later than the last timestamp allows, never a year 10000.
    assertThat(http.post(path, "application/json", change("b", "\"operation\":\"insert\"")).code())
        .isEqualTo(204);
    String body = http.get(path + "?offset=" + before).body();
    assertThat(body)
        .doesNotContain("+10000")
        .contains("\"timestamp\":\"9999-12-31T23:59:59.999Z\"");
    assertThat(http.post(path, "application/json", change("c", "\"operation\":\"insert\"")).code())
        .isEqualTo(204);
  }

  @Test
  void theKeyframeIndexOfAStateStreamIsReadOnlyToClients() {
    String path = "abuse/indexed";
    createState(path);
    String index = path + ".keyframes";
    Http.Reply entries = http.get(index + "?offset=-1");
    assertThat(entries.code()).isEqualTo(200);
    String before = entries.nextOffset();

    Http.Reply post =
        http.post(index, "application/json", "{\"offset\":\"x\",\"timestamp\":\"not-a-time\"}");
    assertThat(post.code()).isEqualTo(403);
    assertThat(post.body()).contains("server_owned_stream");
    assertThat(http.put(index, "application/json", "").code()).isEqualTo(403);
    assertThat(http.delete(index).code()).isEqualTo(403);
    assertThat(http.get(index + "?offset=-1").nextOffset()).isEqualTo(before);
    assertThat(http.get(index + "?offset=-1").body()).isEqualTo(entries.body());
  }

  @Test
  void creatingAStateStreamWhoseIndexPathIsTakenIsAConflict() {
    String path = "abuse/squatted";
    assertThat(http.put(path + ".keyframes", "text/plain", "user data").code()).isEqualTo(201);
    Http.Reply refused = http.put(path, "application/json", "", "Rstream-Keyframes", "changes=10");
    assertThat(refused.code()).isEqualTo(409);
    assertThat(refused.body()).contains("index_path_taken");
    assertThat(http.head(path).code()).isEqualTo(404);
    assertThat(http.get(path + ".keyframes?offset=-1").body()).isEqualTo("user data");

    // A plain stream may use the path, and the index path frees up once the user deletes it.
    assertThat(http.delete(path + ".keyframes").code()).isEqualTo(204);
    createState(path);
  }

  @Test
  void aStateStreamDeletedAndCreatedAgainGetsItsIndexBack() {
    String path = "abuse/again";
    createState(path);
    assertThat(http.delete(path).code()).isEqualTo(204);
    createState(path);
    assertThat(http.get(path + ".keyframes?offset=-1").code()).isEqualTo(200);
  }
}
