package dev.rstream.internal.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.internal.state.Control;
import dev.rstream.internal.state.State;
import dev.rstream.internal.state.StateMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WindowTimeSeekTest {
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42, 1234})
  void stateAtRandomTimesEqualsFullReplay(long seed) {
    GeneratedLog log = new GeneratedLog(seed, 50, 30);
    KeyframeIndex index = KeyframeIndex.of(log.keyframes);
    assertThat(index.size()).isEqualTo(50);
    List<Window> windows = fetchEachWindow(log, index);

    Random random = new Random(seed);
    long span = log.last.toEpochMilli() - log.first.toEpochMilli();
    for (int i = 0; i < 100; i++) {
      Instant time = log.first.plusMillis((long) (random.nextDouble() * (span + 5000)));
      int k = index.covering(time);
      assertThat(k).as("covering %s", time).isGreaterThanOrEqualTo(0);
      WindowPoint point = windows.get(k).stateAt(time);
      assertThat(asMap(point.state()))
          .as("state at %s (window %d)", time, k)
          .isEqualTo(log.replayTo(time));
      if (point.timestamp() != null) assertThat(point.timestamp()).isBeforeOrEqualTo(time);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {7, 8, 9})
  void stateAtEveryChangeTimeAndKeyframeTimeEqualsFullReplay(long seed) {
    // Exactly at the timestamps is where ties and off-by-one errors live.
    GeneratedLog log = new GeneratedLog(seed, 20, 10);
    KeyframeIndex index = KeyframeIndex.of(log.keyframes);
    List<Window> windows = fetchEachWindow(log, index);
    for (StateMessage message : log.messages) {
      Instant time = message.timestamp();
      WindowPoint point = windows.get(index.covering(time)).stateAt(time);
      assertThat(asMap(point.state())).as("state at %s", time).isEqualTo(log.replayTo(time));
      Instant before = time.minusMillis(1);
      int k = index.covering(before);
      if (k >= 0)
        assertThat(asMap(windows.get(k).stateAt(before).state())).isEqualTo(log.replayTo(before));
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {3, 4})
  void scanningTheWholeStreamFindsTheIndexedWindows(long seed) {
    GeneratedLog log = new GeneratedLog(seed, 50, 20);
    List<Window> windows = scanWholeStream(log);
    assertThat(windows).extracting(Window::start).isEqualTo(log.keyframes);
    for (int k = 0; k < windows.size() - 1; k++) {
      assertThat(windows.get(k).end()).isEqualTo(log.keyframes.get(k + 1));
    }
    assertThat(asMap(windows.get(windows.size() - 1).state())).isEqualTo(log.replayTo(log.last));
  }

  @Test
  void equalTimestampsSelectTheLastKeyframe() {
    Instant t = Instant.parse("2026-01-01T00:00:10Z");
    KeyframeIndex index =
        KeyframeIndex.of(
            List.of(
                Keyframe.of(Offset.START, t.minusSeconds(5)),
                Keyframe.of(Offset.of("a1"), t),
                Keyframe.of(Offset.of("a2"), t),
                Keyframe.of(Offset.of("a3"), t),
                Keyframe.of(Offset.of("a4"), t.plusSeconds(1))));
    assertThat(index.covering(t)).isEqualTo(3);
    assertThat(index.covering(t.plusMillis(999))).isEqualTo(3);
    assertThat(index.covering(t.minusMillis(1))).isEqualTo(0);
    assertThat(index.covering(t.plusSeconds(1))).isEqualTo(4);
    assertThat(index.covering(t.plusSeconds(100))).isEqualTo(4);
  }

  @Test
  void timeBeforeTheFirstKeyframeIsOutOfRange() {
    Instant t = Instant.parse("2026-01-01T00:00:10Z");
    KeyframeIndex index = KeyframeIndex.of(List.of(Keyframe.of(Offset.START, t)));
    assertThat(index.covering(t.minusMillis(1))).isEqualTo(-1);
    assertThat(index.covering(t)).isEqualTo(0);
    assertThat(KeyframeIndex.empty().covering(t)).isEqualTo(-1);
  }

  @Test
  void indexIgnoresRepeatsAndRejectsTimestampsOutOfOrder() {
    Instant t = Instant.parse("2026-01-01T00:00:10Z");
    KeyframeIndex index = KeyframeIndex.of(List.of(Keyframe.of(Offset.of("b"), t)));
    assertThat(index.plus(Keyframe.of(Offset.of("b"), t))).isSameAs(index);
    assertThatThrownBy(() -> index.plus(Keyframe.of(Offset.of("c"), t.minusMillis(1))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(index.plus(Keyframe.of(Offset.of("a"), t.minusMillis(1))).get(0).offset())
        .isEqualTo(Offset.of("a"));
  }

  @Test
  void withoutMessageOffsetsAWindowReadFromAnEarlierOffsetSkipsToItsKeyframe() {
    GeneratedLog log = new GeneratedLog(11, 5, 10);
    List<StateMessage> stripped = new ArrayList<>();
    for (StateMessage message :
        log.read(log.keyframes.get(1).offset(), log.keyframes.get(2).offset())) {
      stripped.add(stripOffset(message));
    }
    // Read from a coarse offset: a change before the keyframe comes first and must be skipped.
    WindowAssembler assembler = WindowAssembler.atKeyframe(Offset.of("0000000000_coarse"));
    assertThat(assembler.accept(StateMessage.of(Change.insert("t0", "stray", "1"))))
        .isEqualTo(WindowAssembler.Event.SKIPPED);
    for (StateMessage message : stripped) assembler.accept(message);
    Window window = assembler.current();
    assertThat(window.start().timestamp()).isEqualTo(log.keyframes.get(1).timestamp());
    Instant end = log.keyframes.get(2).timestamp().minusMillis(1);
    if (!end.isBefore(log.keyframes.get(1).timestamp())) {
      assertThat(asMap(window.stateAt(end).state())).isEqualTo(log.replayTo(end));
    }
  }

  @Test
  void keyframeHoldingAnUpdateIsMalformed() {
    WindowAssembler assembler = WindowAssembler.atKeyframe(Offset.START);
    assembler.accept(
        StateMessage.of(Control.of(Control.Kind.SNAPSHOT_START, Offset.of("1"), null)));
    assertThatThrownBy(() -> assembler.accept(StateMessage.of(Change.update("t", "k", "1"))))
        .isInstanceOf(MalformedStreamException.class)
        .hasMessageContaining("only inserts");
  }

  @Test
  void snapshotEndWithoutStartIsMalformed() {
    WindowAssembler assembler = WindowAssembler.fromStreamStart();
    assertThatThrownBy(
            () ->
                assembler.accept(
                    StateMessage.of(Control.of(Control.Kind.SNAPSHOT_END, null, null))))
        .isInstanceOf(MalformedStreamException.class);
  }

  @Test
  void keyframeClearsTheStateBeforeItsInserts() {
    WindowAssembler assembler = WindowAssembler.fromStreamStart();
    assembler.accept(StateMessage.of(Change.insert("t", "gone", "1")));
    assembler.accept(
        StateMessage.of(Control.of(Control.Kind.SNAPSHOT_START, Offset.of("2"), null)));
    assembler.accept(StateMessage.of(Change.insert("t", "kept", "2")));
    assertThat(
            assembler.accept(
                StateMessage.of(Control.of(Control.Kind.SNAPSHOT_END, Offset.of("2"), null))))
        .isEqualTo(WindowAssembler.Event.WINDOW_STARTED);
    assertThat(assembler.current().state().entities("t")).containsOnlyKeys("kept");
    assertThat(assembler.completed().state().entities("t")).containsOnlyKeys("gone");
  }

  @Test
  void resetControlEndsTheAssemblyWithItsOffset() {
    WindowAssembler assembler = WindowAssembler.fromStreamStart();
    assembler.accept(StateMessage.of(Change.insert("t", "k", "1")));
    assertThat(
            assembler.accept(StateMessage.of(Control.of(Control.Kind.RESET, Offset.of("9"), null))))
        .isEqualTo(WindowAssembler.Event.RESET);
    assertThat(assembler.resetOffset()).isEqualTo(Offset.of("9"));
    assertThatThrownBy(() -> assembler.accept(StateMessage.of(Change.insert("t", "k", "2"))))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void resumingAWindowContinuesWhereItStopped() {
    GeneratedLog log = new GeneratedLog(5, 3, 20);
    List<StateMessage> all = log.read(log.keyframes.get(2).offset(), null);
    WindowAssembler first = WindowAssembler.atKeyframe(log.keyframes.get(2).offset());
    int half = all.size() / 2;
    for (StateMessage message : all.subList(0, half)) first.accept(message);
    Window held = first.current();
    WindowAssembler resumed = WindowAssembler.resuming(held);
    for (StateMessage message : all.subList(half, all.size())) resumed.accept(message);
    assertThat(asMap(resumed.current().state())).isEqualTo(log.replayTo(log.last));
    // The held snapshot is not disturbed by either assembler appending.
    first.accept(StateMessage.of(Change.insert("t9", "x", "1")));
    assertThat(held.changeCount()).isEqualTo(held.changeCount());
    assertThat(asMap(held.state())).isEqualTo(asMap(held.pointAfter(held.changeCount()).state()));
  }

  @Test
  void changesWithoutATimestampBeforeAnyHaveNoTimeThroughResumeAndStore() {
    Instant t1 = Instant.parse("2026-01-01T00:00:10Z");
    WindowAssembler assembler = WindowAssembler.fromStreamStart();
    assembler.accept(
        StateMessage.of(Change.insert("t", "a", "1").newBuilder().offset(Offset.of("1")).build()));
    Window untimed = assembler.current();
    assertThat(untimed.latest().timestamp()).as("unknown, not the epoch").isNull();
    assertThat(untimed.knowsStateAt(Instant.EPOCH)).isFalse();
    assertThat(untimed.knowsStateAt(Instant.now())).isFalse();
    assertThat(untimed.firstKnownTime()).isNull();
    // Stored and restored (a restart), or resumed (a reconnect): still unknown.
    Window restored = StoredWindows.restore(StoredWindows.toStored(untimed));
    assertThat(restored.latest().timestamp()).isNull();
    assertThat(restored.knowsStateAt(Instant.now())).isFalse();
    WindowAssembler resumed = WindowAssembler.resuming(untimed);
    resumed.accept(
        StateMessage.of(Change.insert("t", "b", "2").newBuilder().offset(Offset.of("2")).build()));
    assertThat(resumed.current().latest().timestamp()).isNull();

    resumed.accept(
        StateMessage.of(
            Change.insert("t", "c", "3")
                .newBuilder()
                .offset(Offset.of("3"))
                .timestamp(t1)
                .build()));
    resumed.accept(
        StateMessage.of(Change.insert("t", "d", "4").newBuilder().offset(Offset.of("4")).build()));
    Window timed = resumed.current();
    assertThat(timed.firstKnownTime()).isEqualTo(t1);
    assertThat(timed.knowsStateAt(t1.minusMillis(1))).isFalse();
    assertThat(timed.knowsStateAt(t1)).isTrue();
    // Those before the first timestamp happened before it; those after take it (effective time).
    assertThat(timed.stateAt(t1).state().entities("t")).containsOnlyKeys("a", "b", "c", "d");
    assertThat(timed.stateAt(t1).timestamp()).isEqualTo(t1);
    assertThat(timed.pointAfter(2).timestamp()).isNull();
    assertThat(timed.pointAfter(3).timestamp()).isEqualTo(t1);
  }

  /** Reads each window's range separately, as the client fetches them, then commits it. */
  static List<Window> fetchEachWindow(GeneratedLog log, KeyframeIndex index) {
    List<Window> windows = new ArrayList<>();
    for (int k = 0; k < index.size(); k++) {
      Keyframe next = index.next(k);
      WindowAssembler assembler = WindowAssembler.atKeyframe(index.get(k).offset());
      for (StateMessage message :
          log.read(index.get(k).offset(), next == null ? null : next.offset())) {
        assembler.accept(message);
      }
      Window window = assembler.current();
      assertThat(window.start()).isEqualTo(index.get(k));
      windows.add(next == null ? window : window.withEnd(next));
    }
    return windows;
  }

  /**
   * Reads the whole stream as one read from its start, as a client without the index does: every
   * window it completed, in order, then the open one it ends in.
   */
  static List<Window> scanWholeStream(GeneratedLog log) {
    WindowAssembler assembler = WindowAssembler.fromStreamStart();
    List<Window> windows = new ArrayList<>();
    for (StateMessage message : log.messages) {
      if (assembler.accept(message) == WindowAssembler.Event.WINDOW_STARTED
          && assembler.completed() != null) {
        windows.add(assembler.completed());
      }
    }
    windows.add(assembler.current());
    return windows;
  }

  static Map<String, Map<String, String>> asMap(State state) {
    Map<String, Map<String, String>> result = new LinkedHashMap<>();
    for (String type : state.types()) result.put(type, new LinkedHashMap<>(state.entities(type)));
    return result;
  }

  private static StateMessage stripOffset(StateMessage message) {
    if (message.change() != null)
      return StateMessage.of(message.change().newBuilder().offset(null).build());
    Control control = message.control();
    return StateMessage.of(Control.of(control.kind(), null, control.timestamp()));
  }
}
