package dev.rstream.server.state;

import static dev.rstream.server.state.Harness.change;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** docs/PROTOCOL.md 3.1: stamping and the non-decreasing order of timestamps. */
class TimestampTest {
  private final Harness h = new Harness();

  @BeforeEach
  void createStream() throws Exception {
    h.createStateStream("s", "changes=1000, interval=60s");
    h.clock.advance(Duration.ofMillis(1234));
  }

  @AfterEach
  void close() {
    h.close();
  }

  private List<String> clientMessages() throws Exception {
    List<String> all = h.texts("s");
    return all.subList(2, all.size()); // after the empty first keyframe
  }

  @Test
  void changeWithoutTimestampIsStampedWithReceiveTimeInMillisecondsRestUntouched()
      throws Exception {
    String sent =
        "{\"type\":\"todo\",\"key\":\"1\",\"value\":{ \"title\" : \"milk\",\"n\":1.50 },\"headers\":{\"operation\":\"insert\",\"txid\":\"x\"}}";
    h.appender.clientAppend("s", sent);

    assertThat(clientMessages())
        .containsExactly(
            "{\"type\":\"todo\",\"key\":\"1\",\"value\":{ \"title\" : \"milk\",\"n\":1.50 },"
                + "\"headers\":{\"offset\":\"rewritten\",\"timestamp\":\"2026-11-22T03:00:01.234Z\",\"operation\":\"insert\",\"txid\":\"x\"}}");
    // The value is kept as the bytes it was written with, so keyframes copy it exactly.
    assertThat(
            new String(
                h.conventions.stateSnapshot("s").get(new StreamState.EntityKey("todo", "1"))))
        .isEqualTo("{ \"title\" : \"milk\",\"n\":1.50 }");
  }

  @Test
  void changeWithTimestampIsStoredByteForByte() throws Exception {
    String sent = change("insert", "todo", "1", "true", "2026-11-22T05:00:00.5+02:00");
    List<byte[]> messages = List.of(sent.getBytes());

    List<byte[]> out = h.conventions.beforeAppend(h.store.meta("s"), messages, h.clock.millis());

    assertThat(out).isSameAs(messages);
  }

  @Test
  void controlsFromClientsAreRefused() throws Exception {
    String reset = "{\"headers\":{\"control\":\"reset\"}}";
    List<byte[]> messages = List.of(reset.getBytes());

    assertThatThrownBy(
            () -> h.conventions.beforeAppend(h.store.meta("s"), messages, h.clock.millis()))
        .isInstanceOf(AppendRejectedException.class)
        .hasMessageContaining("control");
  }

  @Test
  void timestampsInOtherOffsetsCompareAsInstants() throws Exception {
    h.appender.clientAppend("s", change("insert", "t", "a", "1", "2026-11-22T03:00:10.500Z"));
    // 05:00:10+02:00 is 03:00:10Z, half a second earlier, although it sorts later as text.
    assertThatThrownBy(
            () ->
                h.appender.clientAppend(
                    "s", change("update", "t", "a", "2", "2026-11-22T05:00:10+02:00")))
        .isInstanceOf(AppendRejectedException.class);
    h.appender.clientAppend("s", change("update", "t", "a", "3", "2026-11-22T02:00:10.5-01:00"));

    assertThat(h.materialised("s").get("t/a").asInt()).isEqualTo(3);
  }

  @Test
  void regressionAcrossUnitsIsRejectedAndNothingIsStored() throws Exception {
    h.appender.clientAppend("s", change("insert", "t", "a", "1", "2026-11-22T03:00:10Z"));
    long tail = h.tail("s");

    assertThatThrownBy(
            () ->
                h.appender.clientAppend(
                    "s", change("insert", "t", "b", "2", "2026-11-22T03:00:09.999Z")))
        .isInstanceOf(AppendRejectedException.class)
        .hasMessageContaining("2026-11-22T03:00:09.999Z")
        .hasMessageContaining("earlier")
        .hasMessageContaining("nothing appended");

    assertThat(h.tail("s")).isEqualTo(tail);
    assertThat(h.materialised("s")).containsOnlyKeys("t/a");
  }

  @Test
  void regressionWithinAUnitRejectsTheWholeUnit() throws Exception {
    long tail = h.tail("s");

    assertThatThrownBy(
            () ->
                h.appender.clientAppend(
                    "s",
                    change("insert", "t", "a", "1", "2026-11-22T03:00:10Z"),
                    change("insert", "t", "b", "2", null),
                    change("insert", "t", "c", "3", "2026-11-22T03:00:09Z")))
        .isInstanceOf(AppendRejectedException.class)
        .hasMessageContaining("message 3 of 3");

    assertThat(h.tail("s")).isEqualTo(tail);
    assertThat(h.materialised("s")).isEmpty();
    // The rejected unit left no trace: a timestamp between the two is still fine.
    h.appender.clientAppend("s", change("insert", "t", "d", "4", "2026-11-22T03:00:09.5Z"));
    assertThat(h.materialised("s")).containsOnlyKeys("t/d");
  }

  @Test
  void equalTimestampsAreAllowed() throws Exception {
    String ts = "2026-11-22T03:00:10Z";
    h.appender.clientAppend(
        "s", change("insert", "t", "a", "1", ts), change("insert", "t", "b", "2", ts));
    h.appender.clientAppend("s", change("delete", "t", "a", null, ts));

    assertThat(h.materialised("s")).containsOnlyKeys("t/b");
  }

  @Test
  void newStreamAcceptsHistoryStampedBeforeItsCreationThenKeepsTheOrder() throws Exception {
    // Back-filled history (3.1): the creation time is no lower bound, the last timestamp is.
    h.appender.clientAppend("s", change("insert", "t", "a", "1", "2026-01-01T00:00:00Z"));
    h.appender.clientAppend("s", change("insert", "t", "b", "2", "2026-01-01T00:00:00Z"));

    assertThat(h.materialised("s")).containsOnlyKeys("t/a", "t/b");
    assertThatThrownBy(
            () ->
                h.appender.clientAppend(
                    "s", change("insert", "t", "c", "3", "2025-12-31T23:59:59Z")))
        .isInstanceOf(AppendRejectedException.class);
  }

  @Test
  void writerAFewMillisecondsBehindTheServerIsAcceptedOnANewStream() throws Exception {
    h.appender.clientAppend("s", change("insert", "t", "a", "1", "2026-11-22T03:00:01.230Z"));

    assertThat(h.materialised("s")).containsOnlyKeys("t/a");
  }

  @Test
  void stampNeverGoesBeforeTheStreamsLastTimestamp() throws Exception {
    // A writer with a clock an hour ahead; then one that leaves stamping to the server.
    h.appender.clientAppend("s", change("insert", "t", "a", "1", "2026-11-22T04:00:00.0000005Z"));
    h.appender.clientAppend("s", change("insert", "t", "b", "2", null));

    JsonNode last = Harness.JSON.readTree(h.texts("s").get(3));
    String stamped = last.path("headers").path("timestamp").asText();
    assertThat(stamped).isEqualTo("2026-11-22T04:00:00.001Z");
    assertThat(Rfc3339.parse(stamped))
        .isAfterOrEqualTo(Instant.parse("2026-11-22T04:00:00.0000005Z"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"type\":\"t\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"upsert\"}}",
        "{\"type\":\"t\",\"value\":1,\"headers\":{\"operation\":\"insert\"}}",
        "{\"type\":\"\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\"}}",
        "{\"type\":\"t\",\"key\":7,\"value\":1,\"headers\":{\"operation\":\"insert\"}}",
        "{\"type\":\"t\",\"key\":\"k\",\"headers\":{\"operation\":\"update\"}}",
        "{\"type\":\"t\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\",\"timestamp\":\"noon\"}}",
        "{\"type\":\"t\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\",\"timestamp\":5}}",
        "{\"type\":\"t\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\",\"operation\":\"delete\"}}",
        "{\"type\":\"t\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\"}} {}",
        "{\"type\":\"t\"",
      })
  void malformedChangeIsRejectedWithAReasonAndNothingStored(String message) throws Exception {
    long tail = h.tail("s");

    assertThatThrownBy(
            () -> h.appender.clientAppend("s", change("insert", "t", "ok", "1", null), message))
        .isInstanceOf(AppendRejectedException.class)
        .hasMessageContaining("message 2 of 2");

    assertThat(h.tail("s")).isEqualTo(tail);
  }

  @Test
  void nonChangeJsonOnAStateStreamIsRefused() throws Exception {
    long tail = h.tail("s");
    for (String other : List.of("[1,2]", "\"hello\"", "{\"note\":true}")) {
      assertThatThrownBy(() -> h.appender.clientAppend("s", other))
          .isInstanceOf(AppendRejectedException.class)
          .hasMessageContaining("not a State Protocol change");
    }

    assertThat(h.tail("s")).isEqualTo(tail);
    assertThat(clientMessages()).isEmpty();
    assertThat(h.conventions.changesSinceKeyframe("s")).isZero();
  }
}
