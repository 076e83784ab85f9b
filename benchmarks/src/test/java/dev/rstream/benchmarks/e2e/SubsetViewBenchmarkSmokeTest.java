package dev.rstream.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.benchmarks.e2e.SubsetViewBenchmark.Kind;
import org.junit.jupiter.api.Test;

/**
 * Runs the subset view benchmark at a tiny size so it cannot rot, and checks what it stands on: the
 * appends wake every {@code live()} subscriber once each and no subset subscriber. No wall-clock
 * assertion.
 */
final class SubsetViewBenchmarkSmokeTest {
  @Test
  void unrelatedAppendsWakeOnlyTheLiveSubscribers() throws Exception {
    try (Loopback loopback = new Loopback()) {
      for (Kind kind : Kind.values()) {
        long[] measured = SubsetViewBenchmark.measure(loopback, kind, 0, 50, 10, 5);
        assertThat(measured[0]).as("%s: CPU time", kind).isPositive();
        assertThat(measured[1])
            .as("%s: wakes per subscriber", kind)
            .isEqualTo(kind == Kind.LIVE ? 10 : 0);
      }
    }
  }
}
