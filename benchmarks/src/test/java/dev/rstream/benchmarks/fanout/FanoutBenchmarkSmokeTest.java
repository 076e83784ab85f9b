package dev.rstream.benchmarks.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Runs the fan-out harness at tiny sizes against server-stub alone (no npm, no Node) so it cannot
 * rot: the child JVM starts and reports, every connection gets every message exactly once and in
 * order, the catch-up read counts every message, and the table is written. No wall-clock assertion:
 * latencies are not checked against the goal here.
 */
final class FanoutBenchmarkSmokeTest {
  @Test
  void tinyRunDeliversEveryMessageToEveryConnectionAndWritesTheTable() throws Exception {
    FanoutBenchmark.Options options =
        FanoutBenchmark.Options.parse(
            "--servers", "stub",
            "--connections", "3,25",
            "--rate", "50",
            "--seconds", "1",
            "--warmup-seconds", "1",
            "--catch-up", "2500",
            "--catch-up-runs", "1",
            "--client-threads", "2",
            "--stub-heap", "256m");

    FanoutBenchmark.Report report = FanoutBenchmark.run(options);

    assertThat(report.fanout())
        .extracting(FanoutBenchmark.FanoutRow::connections)
        .containsExactly(3, 25);
    assertThat(report.fanout())
        .allSatisfy(
            row -> {
              assertThat(row.server()).isEqualTo("server-stub");
              assertThat(row.ready()).isEqualTo(row.connections());
              // 2 s at 50 appends/s, to every connection, each once and in order.
              assertThat(row.expected()).isEqualTo(100L * row.connections());
              assertThat(row.received()).isEqualTo(row.expected());
              assertThat(row.outOfOrder()).isZero();
              assertThat(row.closedEarly()).isZero();
              assertThat(row.allReachedLast()).isTrue();
              assertThat(row.p99()).isPositive().isLessThanOrEqualTo(row.max());
              assertThat(row.stats().heapBytes()).isPositive();
              assertThat(row.stats().javaThreads()).isPositive();
              assertThat(row.stats().liveReaders()).isEqualTo(row.connections());
            });
    assertThat(report.catchUp())
        .singleElement()
        .satisfies(
            row -> {
              assertThat(row.messages()).isEqualTo(2500);
              assertThat(row.requests()).isPositive();
            });
    assertThat(FanoutTable.markdown(report))
        .contains("| server-stub | 25 (25 open) | 2,500 / 2,500 |")
        .contains("| server-stub | 2,500 |")
        .doesNotContain("NaN");
  }
}
