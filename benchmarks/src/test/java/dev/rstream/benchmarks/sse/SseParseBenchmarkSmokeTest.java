package dev.rstream.benchmarks.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Keeps {@link SseParseBenchmark} from rotting: runs each benchmark method once, without JMH, and
 * checks that the three parsers agree event for event. A benchmark of parsers that disagree would
 * compare different work.
 */
final class SseParseBenchmarkSmokeTest {
  @ParameterizedTest
  @EnumSource(RecordedStream.class)
  void everyParserProducesTheSameEvents(RecordedStream stream) throws IOException {
    List<String> rstream = run(stream, SseParseBenchmark::rstream);
    List<String> okhttp = run(stream, SseParseBenchmark::okhttp);
    List<String> launchDarkly = run(stream, SseParseBenchmark::launchDarkly);

    int expectedEvents = stream == RecordedStream.LARGE_EVENTS ? 32 : 4_000;
    assertThat(rstream).hasSize(expectedEvents);
    assertThat(rstream.get(0)).startsWith("data [").contains("{\"type\":\"todo\"").endsWith("]");
    assertThat(rstream.get(1)).startsWith("control {\"streamNextOffset\":");
    assertThat(okhttp).isEqualTo(rstream);
    assertThat(launchDarkly).isEqualTo(rstream);
  }

  private interface BenchmarkMethod {
    int run(SseParseBenchmark benchmark, SseParseBenchmark.ParsedBytes parsed) throws IOException;
  }

  private static List<String> run(RecordedStream stream, BenchmarkMethod method)
      throws IOException {
    List<String> events = new ArrayList<>();
    SseParseBenchmark benchmark = new SseParseBenchmark();
    benchmark.stream = stream;
    benchmark.sink =
        (String type, String data, @Nullable String lastEventId) ->
            events.add(type + " " + data + (lastEventId != null ? " id=" + lastEventId : ""));
    SseParseBenchmark.ParsedBytes parsed = new SseParseBenchmark.ParsedBytes();

    int returned = method.run(benchmark, parsed);

    assertThat(returned).isEqualTo(events.size());
    assertThat(parsed.bytes).isEqualTo(stream.bytes().length);
    return events;
  }
}
