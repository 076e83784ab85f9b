package dev.rstream.internal.window;

import static dev.rstream.internal.window.WindowTimeSeekTest.asMap;
import static dev.rstream.internal.window.WindowTimeSeekTest.fetchEachWindow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.internal.state.Control;
import dev.rstream.internal.state.StateMessage;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/PROTOCOL.md 3.1 to 3.4: effective timestamps, the initial keyframe without a timestamp, and
 * index entries without {@code timestamp} or with {@code keyframe}.
 */
class EffectiveTimeTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 42})
  void timeBeforeTheFirstChangeIsTheEmptyStateWhenTheFirstKeyframeHasNoTimestamp(long seed) {
    GeneratedLog log = new GeneratedLog(seed, 20, 10, true);
    KeyframeIndex index = KeyframeIndex.of(log.keyframes);
    List<Window> windows = fetchEachWindow(log, index);

    for (Instant early :
        List.of(Instant.parse("1969-07-20T20:17:00Z"), Instant.EPOCH, log.first.minusMillis(1))) {
      assertThat(index.covering(early)).as("covering %s", early).isEqualTo(0);
      WindowPoint point = windows.get(0).stateAt(early);
      assertThat(point.state().size()).isZero();
      assertThat(point.timestamp()).as("no time, not the epoch").isNull();
      assertThat(windows.get(0).knowsStateAt(early)).isTrue();
    }
    Random random = new Random(seed);
    long span = log.last.toEpochMilli() - log.first.toEpochMilli();
    for (int i = 0; i < 100; i++) {
      Instant time = log.first.plusMillis((long) (random.nextDouble() * (span + 5000)) - 1000);
      WindowPoint point = windows.get(index.covering(time)).stateAt(time);
      assertThat(asMap(point.state())).as("state at %s", time).isEqualTo(log.replayTo(time));
    }
  }

  @Test
  void scanFromTheStreamStartFindsTheUntimedFirstKeyframe() {
    GeneratedLog log = new GeneratedLog(3, 10, 10, true);
    WindowAssembler assembler = WindowAssembler.fromStreamStart();
    List<Keyframe> found = new ArrayList<>();
    for (StateMessage message : log.messages) {
      if (assembler.accept(message) == WindowAssembler.Event.WINDOW_STARTED) {
        found.add(assembler.current().start());
      }
    }
    assertThat(found).isEqualTo(log.keyframes);
    assertThat(found.get(0).hasTimestamp()).isFalse();
    assertThat(found.get(1).hasTimestamp()).isTrue();
    // The restored copy of the first window (local store) keeps it untimed.
    assertThat(KeyframeIndex.of(found).covering(Instant.EPOCH)).isEqualTo(0);
  }

  @Test
  void aWriterWithASkewedClockNeverMakesTimeGoBackwards() {
    // Another server enforces no order: the second writer's clock is ten minutes behind.
    WindowAssembler assembler = WindowAssembler.atKeyframe(Offset.START);
    assembler.accept(
        StateMessage.of(Control.of(Control.Kind.SNAPSHOT_START, Offset.of("1"), null)));
    assembler.accept(StateMessage.of(Control.of(Control.Kind.SNAPSHOT_END, Offset.of("1"), null)));
    assembler.accept(change("a", "1", T.plusSeconds(600), "2"));
    assembler.accept(change("b", "2", T, "3"));
    assembler.accept(change("c", "3", T.plusSeconds(601), "4"));
    Window window = assembler.current();

    assertThat(window.pointAfter(2).timestamp()).isEqualTo(T.plusSeconds(600));
    assertThat(window.stateAt(T.plusSeconds(1)).state().size()).as("b is not before a").isZero();
    assertThat(window.stateAt(T.plusSeconds(600)).state().entities("t")).containsOnlyKeys("a", "b");
    assertThat(window.stateAt(T.plusSeconds(601)).applied()).isEqualTo(3);
    Instant previous = Instant.MIN;
    for (int i = 1; i <= window.changeCount(); i++) {
      Instant t = window.pointAfter(i).timestamp();
      assertThat(t).isAfterOrEqualTo(previous);
      previous = t;
    }
  }

  @Test
  void aKeyframeStampedBeforeTheChangesBeforeItTakesTheirTime() {
    WindowAssembler assembler = WindowAssembler.fromStreamStart();
    assembler.accept(change("a", "1", T.plusSeconds(10), "1"));
    assembler.accept(StateMessage.of(Control.of(Control.Kind.SNAPSHOT_START, Offset.of("2"), T)));
    assembler.accept(
        StateMessage.of(
            Change.insert("t", "a", "1").newBuilder().timestamp(T).offset(Offset.of("2")).build()));
    assembler.accept(StateMessage.of(Control.of(Control.Kind.SNAPSHOT_END, Offset.of("2"), T)));

    assertThat(assembler.current().start().timestamp()).isEqualTo(T.plusSeconds(10));
  }

  @Test
  void indexEntryWithoutTimestampIsTheUntimedInitialKeyframe() throws IOException {
    Keyframe k = decode("{\"offset\":\"0000_0\"}");

    assertThat(k.offset()).isEqualTo(Offset.of("0000_0"));
    assertThat(k.hasTimestamp()).isFalse();
    assertThat(k.timestamp()).isEqualTo(Instant.MIN);
    assertThat(
            KeyframeIndex.of(List.of(k, Keyframe.of(Offset.of("0001_0"), T)))
                .covering(T.minusSeconds(1)))
        .isEqualTo(0);
  }

  @Test
  void indexEntryWithKeyframeStartsItsWindowAtItsAsOf() throws IOException {
    Keyframe k =
        decode(
            "{\"offset\":\"0005_0\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"keyframe\":\"0007_0\"}");

    assertThat(k.offset()).isEqualTo(Offset.of("0005_0"));
    assertThat(k.timestamp()).isEqualTo(T);
    assertThatThrownBy(
            () ->
                decode(
                    "{\"offset\":\"0005_0\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"keyframe\":\"0004_0\"}"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("before its asOf");
    assertThatThrownBy(() -> decode("{\"timestamp\":\"2026-01-01T00:00:00Z\"}"))
        .isInstanceOf(IOException.class);
  }

  private static Keyframe decode(String json) throws IOException {
    try (JsonParser parser = new JsonFactory().createParser(json)) {
      parser.nextToken();
      return KeyframeDecoder.INSTANCE.decode(parser);
    }
  }

  private static StateMessage change(String key, String value, Instant time, String offset) {
    return StateMessage.of(
        Change.insert("t", key, value)
            .newBuilder()
            .timestamp(time)
            .offset(Offset.of(offset))
            .build());
  }
}
