package dev.rstream.server.state;

import static dev.rstream.server.state.Harness.change;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rstream.server.state.Harness.Keyframe;
import dev.rstream.server.storage.FileLogStore;
import dev.rstream.server.storage.StreamMeta;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** StreamConventions.start: state, counters and the index rebuilt from the store. */
class RebuildTest {

  @Test
  void restartRebuildsStateAndReappendsTheMissingIndexEntry() throws Exception {
    Harness before = new Harness();
    StreamMeta meta = before.createStateStream("s", "changes=3");
    before.scheduler.runPending();
    before.appender.clientAppend(
        "s",
        change("insert", "t", "a", "{\"v\":1}", null),
        change("insert", "t", "b", "{\"v\":2}", null));
    before.appender.clientAppend("s", change("update", "t", "a", "{\"v\":3}", null));
    // Crash between the keyframe and its index entry.
    before.appender.failIndexAppends = true;
    before.scheduler.runPending();
    before.appender.clientAppend(
        "s", change("delete", "t", "b", null, null), change("insert", "u", "c", "[1,2]", null));
    Map<String, JsonNode> state = before.materialised("s");
    before.close();
    assertThat(before.keyframes("s")).hasSize(2);
    assertThat(before.index("s")).hasSize(1);

    Harness after = new Harness(before.store, before.clock);
    after.scheduler.runPending();

    assertThat(after.materialised("s"))
        .isEqualTo(state)
        .isEqualTo(after.replay("s", Long.MAX_VALUE));
    assertThat(after.conventions.changesSinceKeyframe("s")).isEqualTo(2);
    List<Keyframe> keyframes = after.keyframes("s");
    assertThat(after.index("s"))
        .extracting(n -> n.get("offset").asText())
        .containsExactly(
            meta.incarnation() + "_0", meta.incarnation() + "_" + keyframes.get(1).position());
    assertThat(after.index("s").get(1).get("timestamp").asText())
        .isEqualTo(keyframes.get(1).timestamp());

    // The count goes on from where it was: one more change makes the next keyframe due.
    after.appender.clientAppend("s", change("insert", "t", "d", "4", null));
    after.scheduler.runPending();
    assertThat(after.keyframes("s")).hasSize(3);
    assertThat(after.index("s")).hasSize(3);
    after.close();
  }

  @Test
  void restartWithACompleteIndexAppendsNothing() throws Exception {
    Harness before = new Harness();
    before.createStateStream("s", "changes=2");
    before.appender.clientAppend(
        "s", change("insert", "t", "a", "1", null), change("insert", "t", "b", "2", null));
    before.scheduler.runPending();
    before.close();
    long tail = before.tail("s");
    long indexTail = before.tail("s.keyframes");

    Harness after = new Harness(before.store, before.clock);
    after.scheduler.advance(Duration.ofMinutes(5));

    assertThat(after.tail("s")).isEqualTo(tail);
    assertThat(after.tail("s.keyframes")).isEqualTo(indexTail);
    assertThat(after.materialised("s")).containsOnlyKeys("t/a", "t/b");
    after.close();
  }

  @Test
  void restartWritesTheFirstKeyframeOfAStreamThatHasNone() throws Exception {
    Harness before = new Harness();
    // Created, then a crash before the first keyframe: changes but no snapshot.
    before.store.create(
        new StreamMeta(
            "s",
            0,
            "application/json",
            null,
            null,
            "changes=1000, interval=60s",
            Harness.T0.toEpochMilli(),
            0,
            false,
            null),
        List.of(
            change("insert", "t", "a", "1", "2026-11-22T03:00:01Z")
                .getBytes(StandardCharsets.UTF_8)));
    before.close();

    Harness after = new Harness(before.store, before.clock);
    after.scheduler.runPending();

    List<Keyframe> keyframes = after.keyframes("s");
    assertThat(keyframes).hasSize(1);
    assertThat(keyframes.get(0).state()).isEqualTo(after.replay("s", keyframes.get(0).position()));
    assertThat(keyframes.get(0).timestamp()).isEqualTo("2026-11-22T03:00:01.000Z");
    assertThat(after.index("s")).hasSize(1);
    after.close();
  }

  @Test
  void streamWrittenByThePreviousVersionWithAStampedFirstKeyframeKeepsWorking() throws Exception {
    // The previous version stamped the initial keyframe (and its index entry) with the creation
    // time; that keyframe stays valid and its time stays the stream's lower bound.
    Harness before = new Harness();
    String created = "2026-11-22T03:00:00.000Z";
    StreamMeta meta =
        new StreamMeta(
            "s",
            0,
            "application/json",
            null,
            null,
            "changes=2, interval=60s",
            Harness.T0.toEpochMilli(),
            0,
            false,
            null);
    before.store.create(
        meta,
        List.of(
            ("{\"headers\":{\"control\":\"snapshot-start\",\"timestamp\":\"" + created + "\"}}")
                .getBytes(StandardCharsets.UTF_8),
            ("{\"headers\":{\"control\":\"snapshot-end\",\"timestamp\":\"" + created + "\"}}")
                .getBytes(StandardCharsets.UTF_8)));
    long incarnation = before.store.meta("s").incarnation();
    before.store.create(
        new StreamMeta(
            "s.keyframes",
            0,
            "application/json",
            null,
            null,
            null,
            Harness.T0.toEpochMilli(),
            0,
            false,
            null),
        List.of(
            ("{\"offset\":\"" + incarnation + "_0\",\"timestamp\":\"" + created + "\"}")
                .getBytes(StandardCharsets.UTF_8)));
    before.close();

    Harness after = new Harness(before.store, before.clock);
    after.scheduler.runPending();
    assertThat(after.index("s")).hasSize(1);
    assertThat(after.keyframes("s")).extracting(Keyframe::timestamp).containsExactly(created);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                after.appender.clientAppend(
                    "s", change("insert", "t", "a", "1", "2026-11-22T02:59:59Z")))
        .isInstanceOf(AppendRejectedException.class);
    after.appender.clientAppend(
        "s",
        change("insert", "t", "a", "1", created),
        change("insert", "t", "b", "2", "2026-11-22T03:00:05Z"));
    after.scheduler.runPending();

    List<Keyframe> keyframes = after.keyframes("s");
    assertThat(keyframes).hasSize(2);
    assertThat(keyframes.get(1).timestamp()).isEqualTo("2026-11-22T03:00:05.000Z");
    assertThat(after.index("s"))
        .extracting(n -> n.get("timestamp").asText())
        .containsExactly(created, "2026-11-22T03:00:05.000Z");
    after.close();
  }

  @Test
  void pendingChangesGetTheirIntervalKeyframeAfterRestart() throws Exception {
    Harness before = new Harness();
    before.createStateStream("s", "changes=1000, interval=60s");
    before.appender.clientAppend("s", change("insert", "t", "a", "1", null));
    before.close();

    Harness after = new Harness(before.store, before.clock);
    after.scheduler.advance(Duration.ofSeconds(59));
    assertThat(after.keyframes("s")).hasSize(1);
    after.scheduler.advance(Duration.ofSeconds(1));
    assertThat(after.keyframes("s")).hasSize(2);
    after.close();
  }

  @Test
  void restartOnTheDurableStoreRebuildsStateAndIndex(@TempDir Path dir) throws Exception {
    MutableClock clock = new MutableClock(Harness.T0);
    Map<String, JsonNode> state;
    List<Keyframe> keyframes;
    try (FileLogStore store = FileLogStore.open(dir)) {
      Harness before = new Harness(store, clock);
      before.createStateStream("s", "changes=4");
      for (int i = 0; i < 10; i++) {
        before.appender.clientAppend(
            "s",
            change(
                i % 3 == 2 ? "delete" : "insert",
                "t",
                "k" + (i % 5),
                i % 3 == 2 ? null : "{\"i\":" + i + "}",
                null));
        before.scheduler.runPending();
      }
      before.appender.failIndexAppends = true;
      before.appender.clientAppend(
          "s", change("insert", "t", "z", "0", null), change("insert", "t", "y", "0", null));
      before.scheduler.runPending(); // keyframe stored, index entry lost
      state = before.materialised("s");
      keyframes = before.keyframes("s");
      assertThat(before.index("s")).hasSize(keyframes.size() - 1);
      before.close();
    }
    try (FileLogStore store = FileLogStore.open(dir)) {
      Harness after = new Harness(store, clock);
      after.scheduler.runPending();

      assertThat(after.materialised("s")).isEqualTo(state);
      assertThat(after.keyframes("s")).isEqualTo(keyframes);
      assertThat(after.index("s"))
          .extracting(n -> n.get("offset").asText())
          .containsExactlyElementsOf(
              keyframes.stream()
                  .map(k -> store.meta("s").incarnation() + "_" + k.position())
                  .toList());
      after.close();
    }
  }
}
