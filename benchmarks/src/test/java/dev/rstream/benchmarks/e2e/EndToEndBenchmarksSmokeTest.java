package dev.rstream.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Runs the whole end-to-end suite at tiny sizes so it cannot rot: every figure is produced, the
 * harness's own consistency checks pass (message counts, state sizes, no duplicate live change),
 * and the report names every section. No wall-clock assertion: the figures are not checked against
 * their goals here.
 */
final class EndToEndBenchmarksSmokeTest {
  @Test
  void tinyRunProducesEveryFigureWithConsistentCounts() throws Exception {
    EndToEndBenchmarks.Options options =
        EndToEndBenchmarks.Options.parse(
            "--sizes", "300,600,900",
            "--subscribers", "1,5,20",
            "--latency-messages", "10",
            "--latency-warmup", "3",
            "--latency-pacing-ms", "2",
            "--keyframe-every", "100",
            "--emit-updates", "50",
            "--restart-messages", "600",
            "--restart-windows", "6",
            "--restart-appended", "40");

    List<Figure> figures = EndToEndBenchmarks.run(options);

    // Per size: the raw limit, the raw read pipelined, rstream, and the ratio.
    assertThat(sizesOf(figures, EndToEndBenchmarks.CATCH_UP))
        .containsExactly(
            "300 msgs",
            "300 msgs",
            "300 msgs",
            "300 msgs",
            "600 msgs",
            "600 msgs",
            "600 msgs",
            "600 msgs",
            "900 msgs",
            "900 msgs",
            "900 msgs",
            "900 msgs");
    assertThat(
            figures.stream()
                .filter(f -> f.section.equals(EndToEndBenchmarks.CATCH_UP))
                .map(f -> f.value))
        .filteredOn(v -> v.contains("the raw limit's time"))
        .hasSize(3);
    assertThat(sizesOf(figures, EndToEndBenchmarks.LATENCY))
        .containsExactly("1 subscriber", "5 subscribers", "20 subscribers");
    assertThat(figures.stream().filter(f -> f.section.equals(EndToEndBenchmarks.SEEK)).count())
        .isEqualTo(6);
    // The harness waits for each batch's keyframe (the server writes them on its own thread), so a
    // batch of `--keyframe-every` changes is one window; the untimed initial keyframe is not
    // counted.
    assertThat(sizesOf(figures, EndToEndBenchmarks.SEEK).get(0)).isEqualTo("300 msgs, 3 keyframes");
    assertThat(figures.stream().filter(f -> f.section.equals(EndToEndBenchmarks.MEMORY)).count())
        .isEqualTo(6);
    // Latency rows carry every sample: subscribers x measured changes.
    assertThat(
            figures.stream()
                .filter(f -> f.section.equals(EndToEndBenchmarks.LATENCY))
                .map(f -> f.value))
        .anySatisfy(v -> assertThat(v).contains("(200 samples)"));
    // The restart figure asserts itself that the first view after a restart came from the store.
    assertThat(
            figures.stream()
                .filter(f -> f.section.equals(EndToEndBenchmarks.RESTART))
                .map(f -> f.name))
        .hasSize(6)
        .anySatisfy(n -> assertThat(n).startsWith("(a)"))
        .anySatisfy(n -> assertThat(n).startsWith("(c)"));
    assertThat(figures)
        .allSatisfy(f -> assertThat(f.value).doesNotContain("NaN").doesNotContain("Infinity"));
    assertThat(figures.stream().filter(f -> !f.goal.isEmpty()))
        .allSatisfy(f -> assertThat(f.met).isNotNull());

    String report = SuiteReport.markdown(options, figures, Instant.now(), 1.0, 1.0);
    assertThat(report)
        .contains(
            "## " + EndToEndBenchmarks.CATCH_UP,
            "## " + EndToEndBenchmarks.LATENCY,
            "## " + EndToEndBenchmarks.SEEK,
            "## " + EndToEndBenchmarks.MEMORY,
            "## " + EndToEndBenchmarks.RESTART,
            "## SSE parsing (JMH)",
            "SseParseBenchmark",
            "## Elsewhere, and not measured yet");
  }

  private static List<String> sizesOf(List<Figure> figures, String section) {
    return figures.stream()
        .filter(f -> f.section.equals(section))
        .map(f -> f.size)
        .collect(Collectors.toList());
  }
}
