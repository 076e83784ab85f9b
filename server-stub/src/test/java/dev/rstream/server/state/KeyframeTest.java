package dev.rstream.server.state;

import static dev.rstream.server.state.Harness.change;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.server.state.Harness.Keyframe;
import dev.rstream.server.storage.StreamMeta;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** docs/PROTOCOL.md 3.2 and 3.4: keyframes the server writes, and their index entries. */
class KeyframeTest {
  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  private static String ts(int second) {
    return String.format("2026-11-22T03:00:%02dZ", second);
  }

  @Test
  void createWritesAnEmptyFirstKeyframeAndItsIndexEntry() throws Exception {
    StreamMeta meta = h.createStateStream("s", "changes=5");

    // Both in place when the creating request returns, before anything else can be appended.
    assertThat(h.scheduler.idle()).isTrue();
    assertThat(h.texts("s"))
        .containsExactly(
            "{\"headers\":{\"offset\":\"rewritten\",\"control\":\"snapshot-start\"}}",
            "{\"headers\":{\"offset\":\"rewritten\",\"control\":\"snapshot-end\"}}");
    // No timestamp: the empty keyframe stands for all time before the first change (3.2, 3.4).
    List<ObjectNode> index = h.index("s");
    assertThat(index).hasSize(1);
    assertThat(index.get(0).get("offset").asText()).isEqualTo(meta.incarnation() + "_0");
    assertThat(index.get(0).has("timestamp")).isFalse();
    assertThat(h.store.meta("s.keyframes").contentType()).isEqualTo("application/json");
    assertThat(h.store.meta("s.keyframes").keyframePolicy()).isNull();
  }

  @Test
  void keyframeAfterNChangesHoldsExactlyTheStateAtItsPosition() throws Exception {
    StreamMeta meta = h.createStateStream("s", "changes=5");
    h.scheduler.runPending();
    h.appender.clientAppend(
        "s",
        change("insert", "order", "1", "{\"qty\":1}", ts(1)),
        change("insert", "order", "2", "{\"qty\":2}", ts(2)));
    h.appender.clientAppend("s", change("insert", "customer", "c", "{\"name\":\"Ann\"}", ts(3)));
    h.appender.clientAppend(
        "s",
        change("update", "order", "1", "{\"qty\":10}", ts(4)),
        change("delete", "order", "2", null, ts(5)));

    // Due now, but written on the scheduler, never inline under the append lock.
    assertThat(h.keyframes("s")).hasSize(1);
    assertThat(h.scheduler.idle()).isFalse();

    // Changes that land between scheduling and writing end up in the keyframe, not after it.
    h.appender.clientAppend("s", change("insert", "order", "3", "{\"qty\":3}", ts(6)));
    h.appender.clientAppend("s", change("update", "customer", "c", "{\"name\":\"Bo\"}", ts(7)));
    long tailBefore = h.tail("s");
    h.scheduler.runPending();

    List<Keyframe> keyframes = h.keyframes("s");
    assertThat(keyframes).hasSize(2);
    Keyframe k = keyframes.get(1);
    assertThat(k.position()).isEqualTo(tailBefore);
    assertThat(k.state()).isEqualTo(h.replay("s", k.position()));
    assertThat(k.state()).containsOnlyKeys("order/1", "customer/c", "order/3");
    assertThat(k.state().get("customer/c").get("name").asText()).isEqualTo("Bo");
    // Time of the state it captures, not of the write (the clock never moved).
    assertThat(k.timestamp()).isEqualTo("2026-11-22T03:00:07.000Z");
    assertThat(k.insertTimestamps()).containsOnly("2026-11-22T03:00:07.000Z");

    List<ObjectNode> index = h.index("s");
    assertThat(index).hasSize(2);
    assertThat(index.get(1).get("offset").asText())
        .isEqualTo(meta.incarnation() + "_" + tailBefore);
    assertThat(index.get(1).get("timestamp").asText()).isEqualTo(k.timestamp());

    // Its own inserts are not changes: nothing is due until five more land.
    assertThat(h.conventions.changesSinceKeyframe("s")).isZero();
    h.scheduler.advance(Duration.ofMinutes(10));
    assertThat(h.keyframes("s")).hasSize(2);
  }

  @Test
  void keyframeAfterEveryNChangesUnderSteadyLoad() throws Exception {
    h.createStateStream("s", "changes=3");
    for (int i = 0; i < 10; i++) {
      h.appender.clientAppend("s", change("insert", "t", "k" + (i % 4), "" + i, ts(i)));
      h.scheduler.runPending();
    }

    List<Keyframe> keyframes = h.keyframes("s");
    assertThat(keyframes).hasSize(4); // first, then after changes 3, 6, 9
    for (Keyframe k : keyframes) {
      assertThat(k.state()).isEqualTo(h.replay("s", k.position()));
    }
    assertThat(h.index("s"))
        .extracting(n -> n.get("offset").asText())
        .containsExactlyElementsOf(
            keyframes.stream()
                .map(k -> h.store.meta("s").incarnation() + "_" + k.position())
                .toList());
    assertThat(h.materialised("s")).isEqualTo(h.replay("s", Long.MAX_VALUE));
  }

  @Test
  void intervalKeyframeOnlyWhenSomethingChanged() throws Exception {
    h.createStateStream("s", "changes=1000, interval=60s");
    h.scheduler.advance(Duration.ofSeconds(120));
    assertThat(h.keyframes("s")).hasSize(1);

    // 120 s since the last keyframe and now a change: the next tick writes one.
    h.appender.clientAppend("s", change("insert", "t", "a", "1", null));
    h.scheduler.advance(Duration.ofSeconds(1));
    assertThat(h.keyframes("s")).hasSize(2);

    h.appender.clientAppend("s", change("update", "t", "a", "2", null));
    h.scheduler.advance(Duration.ofSeconds(59));
    assertThat(h.keyframes("s")).hasSize(2);
    h.scheduler.advance(Duration.ofSeconds(1));
    assertThat(h.keyframes("s")).hasSize(3);
    assertThat(h.keyframes("s").get(2).state().get("t/a").asInt()).isEqualTo(2);

    h.scheduler.advance(Duration.ofMinutes(10));
    assertThat(h.keyframes("s")).hasSize(3);
    assertThat(h.index("s")).hasSize(3);
  }

  @Test
  void deletesAndUpdatesAreAppliedAndAClientResetIsRefused() throws Exception {
    h.createStateStream("s", "changes=1000, interval=60s");
    h.appender.clientAppend(
        "s",
        change("insert", "t", "a", "1", null),
        change("insert", "t", "b", "2", null),
        change("insert", "u", "a", "3", null));
    h.appender.clientAppend(
        "s", change("update", "t", "a", "10", null), change("delete", "t", "b", null, null));
    assertThat(h.materialised("s")).containsOnlyKeys("t/a", "u/a");
    assertThat(h.materialised("s").get("t/a").asInt()).isEqualTo(10);

    long tail = h.tail("s");
    assertThatThrownBy(() -> h.appender.clientAppend("s", "{\"headers\":{\"control\":\"reset\"}}"))
        .isInstanceOf(AppendRejectedException.class)
        .hasMessageContaining("control");
    assertThat(h.tail("s")).isEqualTo(tail);
    assertThat(h.materialised("s")).containsOnlyKeys("t/a", "u/a");
    h.appender.clientAppend("s", change("insert", "t", "c", "4", null));
    h.scheduler.advance(Duration.ofSeconds(61));

    Keyframe k = h.keyframes("s").get(1);
    assertThat(k.state()).containsOnlyKeys("t/a", "u/a", "t/c");
    assertThat(h.conventions.changesSinceKeyframe("s")).isZero();
  }

  @Test
  void clientResetIsRefusedAndMakesNoKeyframeDue() throws Exception {
    h.createStateStream("s", "changes=1000, interval=60s");
    assertThatThrownBy(() -> h.appender.clientAppend("s", "{\"headers\":{\"control\":\"reset\"}}"))
        .isInstanceOf(AppendRejectedException.class);
    h.scheduler.advance(Duration.ofSeconds(61));

    assertThat(h.keyframes("s")).hasSize(1);
  }

  @Test
  void clientWrittenKeyframeIsRefusedWithNothingAppended() throws Exception {
    h.createStateStream("s", "changes=3");
    h.appender.clientAppend(
        "s", change("insert", "t", "a", "1", ts(1)), change("insert", "t", "b", "2", ts(1)));
    long tail = h.tail("s");
    assertThatThrownBy(
            () ->
                h.appender.clientAppend(
                    "s",
                    "{\"headers\":{\"control\":\"snapshot-start\",\"timestamp\":\""
                        + ts(2)
                        + "\"}}",
                    change("insert", "t", "z", "26", ts(2)),
                    "{\"headers\":{\"control\":\"snapshot-end\"}}"))
        .isInstanceOf(AppendRejectedException.class)
        .hasMessageContaining("written by the server only");
    h.scheduler.runPending();

    assertThat(h.tail("s")).isEqualTo(tail);
    assertThat(h.materialised("s")).containsOnlyKeys("t/a", "t/b");
    assertThat(h.conventions.changesSinceKeyframe("s")).isEqualTo(2);
    assertThat(h.keyframes("s")).hasSize(1);
  }

  @Test
  void deleteForgetsStateDeletesIndexAndDropsThePendingKeyframe() throws Exception {
    h.createStateStream("s", "changes=2");
    h.appender.clientAppend(
        "s", change("insert", "t", "a", "1", null), change("insert", "t", "b", "2", null));
    assertThat(h.scheduler.idle()).isFalse(); // a keyframe is due

    h.appender.delete("s");
    h.scheduler.runPending();

    assertThat(h.store.meta("s")).isNull();
    assertThat(h.store.meta("s.keyframes")).isNull();
    assertThat(h.conventions.stateSnapshot("s")).isNull();

    // Re-created: a new stream with its own first keyframe, nothing of the old one.
    h.createStateStream("s", "changes=2");
    h.scheduler.runPending();
    assertThat(h.keyframes("s")).hasSize(1);
    assertThat(h.texts("s")).hasSize(2);
    assertThat(h.index("s")).hasSize(1);
    assertThat(h.materialised("s")).isEmpty();
  }

  @Test
  void aPlaceholderArrivingWhenNoKeyframeIsExpectedIsRejectedNeverStored() throws Exception {
    h.createStateStream("s", "changes=2");
    h.appender.clientAppend(
        "s", change("insert", "t", "a", "1", null), change("insert", "t", "b", "2", null));
    h.scheduler.runPending();
    byte[] placeholder = h.appender.requested.get(h.appender.requested.size() - 2).get(0);
    assertThat(new String(placeholder)).contains("rstream-keyframe-request");
    h.appender.create("p", null);
    long tailS = h.tail("s");

    // As if delayed past a delete and re-create of its stream (state or plain).
    assertThatThrownBy(() -> h.appender.clientAppend("s", new String(placeholder)))
        .isInstanceOf(AppendRejectedException.class);
    assertThatThrownBy(() -> h.appender.clientAppend("p", new String(placeholder)))
        .isInstanceOf(AppendRejectedException.class);

    assertThat(h.tail("s")).isEqualTo(tailS);
    assertThat(h.tail("p")).isZero();
  }

  @Test
  void aClosedStreamGetsNoMoreKeyframeAttempts() throws Exception {
    h.createStateStream("s", "changes=2, interval=60s");
    h.appender.clientAppend(
        "s", change("insert", "t", "a", "1", null), change("insert", "t", "b", "2", null));
    h.appender.close("s");
    int asked = h.appender.requested.size();

    h.scheduler.advance(Duration.ofMinutes(10));

    assertThat(h.appender.requested).hasSize(asked + 1); // the due one, refused, and no retry
    assertThat(h.keyframes("s")).hasSize(1);
  }

  @Test
  void aLateAfterDeleteLeavesTheStreamRecreatedMeanwhileAlone() throws Exception {
    h.createStateStream("s", "changes=1000");
    h.store.delete("s"); // the DELETE, its hook not yet called
    h.createStateStream("s", "changes=1000"); // a PUT got in between
    h.appender.clientAppend("s", change("insert", "t", "a", "1", null));

    h.conventions.afterDelete("s");

    assertThat(h.materialised("s")).containsOnlyKeys("t/a");
    assertThat(h.index("s")).hasSize(1);
  }
}
