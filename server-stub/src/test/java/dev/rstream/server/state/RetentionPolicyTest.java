package dev.rstream.server.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.server.state.WindowRetention.Kept;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code Rstream-Retention} header, and which windows a policy drops. */
class RetentionPolicyTest {
  @Test
  void parsesAndNormalisesEitherPartOrBoth() {
    assertThat(RetentionPolicy.parse("windows=3").toString()).isEqualTo("windows=3");
    assertThat(RetentionPolicy.parse(" AGE = 2h ").age()).isEqualTo(Duration.ofHours(2));
    assertThat(RetentionPolicy.parse("age=90, windows=4").toString())
        .isEqualTo("windows=4, age=90s");
    assertThat(RetentionPolicy.parse("age=1d")).isEqualTo(RetentionPolicy.parse("age=86400s"));
  }

  @Test
  void refusesWhatItCannotRead() {
    for (String bad :
        List.of("", "windows=0", "windows=-1", "age=0s", "age=5w", "x=1", "windows")) {
      assertThatThrownBy(() -> RetentionPolicy.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Rstream-Retention");
    }
    assertThatThrownBy(() -> RetentionPolicy.parse("windows=1, windows=2"))
        .hasMessageContaining("twice");
  }

  /** Keyframes at times 0 (untimed), 100, 200, ... 900: ten windows, the last one live. */
  private static List<Kept> keyframes() {
    List<Kept> kept = new ArrayList<>();
    kept.add(new Kept(0, null, 0));
    for (int i = 1; i < 10; i++) kept.add(new Kept(i * 1000L, i * 100L, i * 50L));
    return kept;
  }

  @Test
  void windowsKeepsTheLastNTheLiveOneIncluded() {
    assertThat(WindowRetention.cut(RetentionPolicy.parse("windows=3"), keyframes(), 0))
        .isEqualTo(7);
    assertThat(WindowRetention.cut(RetentionPolicy.parse("windows=1"), keyframes(), 0))
        .isEqualTo(9);
    assertThat(WindowRetention.cut(RetentionPolicy.parse("windows=10"), keyframes(), 0)).isZero();
    assertThat(WindowRetention.cut(RetentionPolicy.parse("windows=50"), keyframes(), 0)).isZero();
  }

  @Test
  void ageKeepsTheWindowThatCoversTheOldestTimeKept() {
    RetentionPolicy second = RetentionPolicy.parse("age=1s");
    // Now 1450: keep history from 450 on, which window 4 (from 400) covers.
    assertThat(WindowRetention.cut(second, keyframes(), 1450)).isEqualTo(4);
    // A keyframe exactly at the limit covers it: the window before goes.
    assertThat(WindowRetention.cut(second, keyframes(), 1500)).isEqualTo(5);
    // Nothing is old enough yet.
    assertThat(WindowRetention.cut(second, keyframes(), 1099)).isZero();
    // Long after the last keyframe, only the live window is left.
    assertThat(WindowRetention.cut(second, keyframes(), 1_000_000)).isEqualTo(9);
  }

  @Test
  void withBothPartsAWindowGoesAsSoonAsEitherDropsIt() {
    RetentionPolicy both = RetentionPolicy.parse("windows=8, age=1s");
    assertThat(WindowRetention.cut(both, keyframes(), 1450)).isEqualTo(4);
    assertThat(WindowRetention.cut(both, keyframes(), 0)).isEqualTo(2);
  }
}
