package dev.rstream.internal.window;

import static dev.rstream.internal.window.WindowTimeSeekTest.asMap;
import static dev.rstream.internal.window.WindowTimeSeekTest.fetchEachWindow;
import static dev.rstream.internal.window.WindowTimeSeekTest.scanWholeStream;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Keyframe;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/PROTOCOL.md 3.2, 3.3: keyframes written by a keyframer name the offset their state is as of;
 * the changes between it and the keyframe come after the keyframe's state.
 */
class AsOfKeyframeTest {

  /** A stream whose later keyframes were written while other writers went on appending. */
  private static GeneratedLog keyframerLog(long seed) {
    GeneratedLog log = new GeneratedLog(seed, 4, 6, true);
    Random random = new Random(seed);
    for (int k = 0; k < 12; k++) {
      log.keyframeAsOf(random.nextInt(4)); // sometimes none between: asOf is the position
      for (int u = random.nextInt(5); u > 0; u--) log.changeUnit();
    }
    return log;
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42})
  void stateAtRandomTimesEqualsTheReplayWhenWindowsAreReadFromTheirAsOf(long seed) {
    GeneratedLog log = keyframerLog(seed);
    KeyframeIndex index = KeyframeIndex.of(log.keyframes);
    List<Window> windows = fetchEachWindow(log, index);

    Random random = new Random(seed);
    long span = log.last.toEpochMilli() - log.first.toEpochMilli();
    for (int i = 0; i < 200; i++) {
      Instant time = log.first.plusMillis((long) (random.nextDouble() * (span + 2000)) - 1000);
      int k = index.covering(time);
      WindowPoint point = windows.get(k).stateAt(time);
      assertThat(asMap(point.state()))
          .as("state at %s (window %d)", time, k)
          .isEqualTo(log.replayTo(time));
    }
    assertThat(asMap(windows.get(windows.size() - 1).state())).isEqualTo(log.replayTo(log.last));
  }

  @ParameterizedTest
  @ValueSource(longs = {5, 6})
  void scanningTheStreamEndsEachWindowAtTheNextKeyframesAsOf(long seed) {
    GeneratedLog log = keyframerLog(seed);
    List<Window> windows = scanWholeStream(log);
    assertThat(windows).extracting(Window::start).isEqualTo(log.keyframes);
    for (int k = 0; k < windows.size() - 1; k++) {
      Window window = windows.get(k);
      Keyframe end = log.keyframes.get(k + 1);
      assertThat(window.end()).isEqualTo(end);
      assertThat(window.offset())
          .as("window %d ends at or before the next asOf", k)
          .isLessThanOrEqualTo(end.offset());
      // The same window read by its range [start, end) holds the same changes and state.
      Window ranged = fetchEachWindow(log, KeyframeIndex.of(log.keyframes)).get(k);
      assertThat(window.changeCount()).isEqualTo(ranged.changeCount());
      assertThat(asMap(window.state())).isEqualTo(asMap(ranged.state()));
    }
    assertThat(asMap(windows.get(windows.size() - 1).state())).isEqualTo(log.replayTo(log.last));
  }
}
