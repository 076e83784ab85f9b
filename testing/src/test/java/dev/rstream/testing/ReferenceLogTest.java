package dev.rstream.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReferenceLogTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void replayAppliesUpdatesAndDeletesUpToTheGivenTimeOnly() {
    ReferenceLog log = new ReferenceLog(START);
    Random random = new Random(1);
    List<ReferenceLog.Entry> all = new java.util.ArrayList<>();
    for (int i = 0; i < 50; i++)
      all.addAll(log.randomUnit(random, ReferenceLog.Shape.UPDATES_DELETES_AND_TIES));

    assertThat(all).anyMatch(ReferenceLog.Entry::isDelete);
    assertThat(log.entries()).isEqualTo(all);
    Instant middle = all.get(all.size() / 2).timestamp();
    Map<String, String> expected = new java.util.HashMap<>();
    for (ReferenceLog.Entry entry : all) {
      if (entry.timestamp().isAfter(middle)) break;
      if (entry.isDelete()) expected.remove(entry.key());
      else expected.put(entry.key(), entry.value());
    }
    assertThat(log.replayTo(middle)).isEqualTo(expected);
    assertThat(log.replayTo(START)).isEmpty();
    assertThat(log.countAfter(middle))
        .isEqualTo((int) all.stream().filter(e -> e.timestamp().isAfter(middle)).count());
  }

  @Test
  void theClockOnlyMovesForwardAndUpdatesNeverTie() {
    ReferenceLog log = new ReferenceLog(START);
    Random random = new Random(2);
    Instant previous = START;
    for (int i = 0; i < 20; i++) {
      for (ReferenceLog.Entry entry : log.randomUnit(random, ReferenceLog.Shape.UPDATES)) {
        assertThat(entry.timestamp()).isAfter(previous);
        assertThat(entry.isDelete()).isFalse();
        previous = entry.timestamp();
      }
    }
    assertThat(log.clock()).isEqualTo(previous);
    log.clear();
    assertThat(log.size()).isZero();
    assertThat(log.clock()).isEqualTo(previous);
  }
}
