package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.UndeliveredRxErrors;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scripted HTTP responses the real server would never send: the client fails typed, applies
 * nothing.
 */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamClientHttpFaultTest {
  private static final String T0 = "2026-01-01T00:00:00Z";
  private static final String T1 = "2026-01-01T00:01:00Z";

  @RegisterExtension final ScriptedServer server = new ScriptedServer(this::answer);
  private final BlockingQueue<RecordedRequest> requests = new LinkedBlockingQueue<>();

  /** Body served for a GET, by its path and offset: "path?offset". */
  private final Map<String, String> bodies = new ConcurrentHashMap<>();

  private final Map<String, String> nextOffsets = new ConcurrentHashMap<>();
  private RStreamClient client;

  private MockResponse answer(RecordedRequest request) {
    requests.add(request);
    String key = request.getUrl().encodedPath() + "?" + request.getUrl().queryParameter("offset");
    String body = bodies.get(key);
    if (body == null) return new MockResponse.Builder().code(404).body("{}").build();
    return ScriptedServer.upToDate(nextOffsets.get(key), body).build();
  }

  @BeforeEach
  void setUp() {
    client =
        RStreamClient.builder()
            .streamUrl(server.url("/v1/stream/orders").toString())
            .okHttpClient(server.http())
            .liveLinger(0, SECONDS)
            .build();
    serveIndex(
        "[{\"offset\":\"a\",\"timestamp\":\""
            + T0
            + "\"},{\"offset\":\"c\",\"timestamp\":\""
            + T1
            + "\"}]");
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  /** Serves {@code entries} as the companion index, read from its start. */
  private void serveIndex(String entries) {
    serve("/v1/stream/orders.keyframes", "-1", "i1", entries);
  }

  private void serve(String path, String offset, String next, String body) {
    bodies.put(path + "?" + offset, body);
    nextOffsets.put(path + "?" + offset, next);
  }

  /**
   * Serves the read from a up to {@code next}: o1 inserted as 1 by the keyframe at b, set to 2 at c
   * (the window from a to c), then the messages {@code after}.
   */
  private void serveFromA(String next, String... after) {
    StringBuilder body =
        new StringBuilder("[")
            .append(keyframe("b", change("insert", "o1", "1", "b", T0)))
            .append(',')
            .append(change("update", "o1", "2", "c", "2026-01-01T00:00:30Z"));
    for (String message : after) body.append(',').append(message);
    serve("/v1/stream/orders", "a", next, body.append(']').toString());
  }

  /** A window read at 00:00:10 fails with a {@link ProtocolException} saying {@code what}. */
  private void assertWindowFailsWithProtocolError(String what) {
    client
        .window(Instant.parse("2026-01-01T00:00:10Z"))
        .test()
        .awaitDone(5, SECONDS)
        .assertError(e -> e instanceof ProtocolException && e.getMessage().contains(what));
  }

  private static String keyframe(String end, String... inserts) {
    StringBuilder json =
        new StringBuilder(
            "{\"headers\":{\"control\":\"snapshot-start\",\"offset\":\""
                + end
                + "\",\"timestamp\":\""
                + T0
                + "\"}}");
    for (String insert : inserts) json.append(',').append(insert);
    return json + ",{\"headers\":{\"control\":\"snapshot-end\",\"offset\":\"" + end + "\"}}";
  }

  private static String change(String op, String key, String value, String offset, String time) {
    return "{\"type\":\"order\",\"key\":\""
        + key
        + "\","
        + (value == null ? "" : "\"value\":" + value + ",")
        + "\"headers\":{\"operation\":\""
        + op
        + "\",\"offset\":\""
        + offset
        + "\",\"timestamp\":\""
        + time
        + "\"}}";
  }

  @Test
  void readsTheIndexFromTheCompanionStreamAndOnlyTheWindowsRange() throws Exception {
    serveFromA("c");
    StateView view =
        client.window(Instant.parse("2026-01-01T00:00:40Z")).timeout(5, SECONDS).blockingLast();
    assertThat(view.json("order", "o1")).isEqualTo("2");
    assertThat(view.offset()).isEqualTo(Offset.of("c"));
    assertThat(requests.poll(5, SECONDS).getUrl().encodedPath())
        .isEqualTo("/v1/stream/orders.keyframes");
    RecordedRequest read = requests.poll(5, SECONDS);
    assertThat(read.getUrl().encodedPath()).isEqualTo("/v1/stream/orders");
    assertThat(read.getUrl().queryParameter("offset")).isEqualTo("a");
    assertThat(read.getUrl().queryParameter("live")).isNull();
  }

  @Test
  void indexEntriesThatCannotBeReadAreSkippedNotFatal() throws Exception {
    // The index is a hint (3.4): entries a bad writer left there must not stop every reader.
    serveIndex(
        "[{\"offset\":\"a\",\"timestamp\":\""
            + T0
            + "\"},"
            + "{\"offset\":\"b\",\"timestamp\":\"not-a-time\"},"
            + "{\"timestamp\":\""
            + T0
            + "\"},"
            + "[1,2],\"junk\",{\"offset\":7},"
            + "{\"offset\":\"c\",\"timestamp\":\""
            + T1
            + "\"}]");
    serveFromA("c");

    StateView view =
        client.window(Instant.parse("2026-01-01T00:00:40Z")).timeout(5, SECONDS).blockingLast();

    assertThat(view.json("order", "o1")).isEqualTo("2");
    // The window found runs from the first readable entry to the next readable one.
    assertThat(client.windows().blockingFirst())
        .anySatisfy(
            w -> {
              assertThat(w.start()).isEqualTo(Keyframe.of(Offset.of("a"), Instant.parse(T0)));
              assertThat(w.end()).isEqualTo(Keyframe.of(Offset.of("c"), Instant.parse(T1)));
            });
  }

  @Test
  void aWindowReadIsCutAtItsEndBoundWhenTheServerSendsMore() {
    // One response runs past the end bound "c" into the next window: those messages are not the
    // window's.
    serveFromA(
        "d",
        keyframe("d", change("insert", "o1", "2", "d", T1)),
        change("update", "o1", "3", "d", T1));
    StateView view =
        client.window(Instant.parse("2026-01-01T00:00:59Z")).timeout(5, SECONDS).blockingLast();
    assertThat(view.json("order", "o1")).isEqualTo("2");
    assertThat(view.offset()).isEqualTo(Offset.of("c"));
  }

  @Test
  void aMessageThatIsNotStateProtocolFailsTheWindowWithAProtocolError() {
    serve("/v1/stream/orders", "a", "c", "[" + keyframe("b") + ",{\"hello\":\"world\"}]");
    assertWindowFailsWithProtocolError("not a State Protocol message");
    assertThat(client.windows().blockingFirst()).isEmpty(); // FAILED, then forgotten
  }

  @Test
  void aStreamThatDoesNotExistFailsTypedAfterTheIndexFallsBackToAScan() throws Exception {
    bodies.clear(); // no index, no stream: every read is a 404
    client
        .window(Instant.parse("2026-01-01T00:00:10Z"))
        .test()
        .awaitDone(5, SECONDS)
        .assertError(StreamNotFoundException.class);
    assertThat(requests.poll(5, SECONDS).getUrl().encodedPath())
        .isEqualTo("/v1/stream/orders.keyframes");
    RecordedRequest scan = requests.poll(5, SECONDS);
    assertThat(scan.getUrl().encodedPath()).isEqualTo("/v1/stream/orders");
    assertThat(scan.getUrl().queryParameter("offset")).isEqualTo("-1");
  }

  @Test
  void aKeyframeHoldingADeleteFailsWithAProtocolError() {
    serve(
        "/v1/stream/orders",
        "a",
        "c",
        "[" + keyframe("b", change("delete", "o1", null, "b", T0)) + "]");
    assertWindowFailsWithProtocolError("only inserts");
  }

  @Test
  void aWindowWithoutItsKeyframeFailsWithAProtocolError() {
    serve(
        "/v1/stream/orders",
        "a",
        "c",
        "[" + change("update", "o1", "2", "c", "2026-01-01T00:00:30Z") + "]");
    assertWindowFailsWithProtocolError("no complete keyframe");
  }
}
