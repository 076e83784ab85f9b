package dev.rstream.examples.cli;

import static dev.rstream.examples.cli.WorkloadStreams.KEYFRAMES;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.testing.UndeliveredRxErrors;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code rstream at URL TIME}: the state as of a time, and the times it takes or refuses. */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamCliAtTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final WorkloadStreams streams = WorkloadStreams.writtenPerTest();

  @Test
  void atPrintsTheStateTheClientGivesForThatTime() throws Exception {
    List<JsonNode> index = streams.keyframes(KEYFRAMES);
    // A time inside a committed window, between its keyframe and the next one.
    Instant time = Instant.parse(index.get(1).get("timestamp").asText());

    CliRun run = CliRun.of("at", streams.url(), time.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out().lines().count()).as("pretty by default").isGreaterThan(3);
    JsonNode printed = JSON.readTree(run.out());
    try (RStreamClient client = RStreamClient.builder().streamUrl(streams.url()).build()) {
      StateView expected = client.window(time).blockingFirst();
      assertThat(printed.get("offset").asText()).isEqualTo(expected.offset().value());
      assertThat(printed.get("window").asText()).isEqualTo(expected.windowId());
      assertThat(Instant.parse(printed.get("timestamp").asText())).isEqualTo(expected.timestamp());
      assertThat(printed.get("state")).isEqualTo(stateOf(expected));
      assertThat(expected.size()).isPositive();
    }
  }

  @Test
  void atWithCompactPrintsOneLine() throws Exception {
    CliRun run = CliRun.of("at", streams.url(), "now", "--compact");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out().lines().count()).isEqualTo(1);
    try (RStreamClient client = RStreamClient.builder().streamUrl(streams.url()).build()) {
      StateView live = client.live().blockingFirst();
      assertThat(JSON.readTree(run.out()).get("state")).isEqualTo(stateOf(live));
    }
  }

  @Test
  void timeBeforeTheFirstChangeIsTheEmptyState() throws Exception {
    // server-stub's initial keyframe has no timestamp: before the first change, nothing exists.
    CliRun run = CliRun.of("at", streams.url(), "2000-01-01T00:00:00Z", "--compact");

    assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCode.OK);
    assertThat(JSON.readTree(run.out()).get("state").size()).isZero();
  }

  @Test
  void relativeTimeIsATimeNotAnOption() throws Exception {
    // The stream is seconds old: a day ago is before its first change, so its state is empty.
    CliRun run = CliRun.of("at", streams.url(), "-1d", "--compact");

    assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCode.OK);
    assertThat(JSON.readTree(run.out()).get("state").size()).isZero();
  }

  @Test
  void aPastTimeIsOutOfRangeInAStreamWithoutTimestampsButNowIsNot() throws Exception {
    String plain = streams.newStreamUrl("untimed");
    DurableStream stream = DurableStream.builder().url(plain).build();
    stream.create(CreateOptions.builder().contentType("application/json").build()).blockingGet();
    stream
        .appendJson(
            "{\"type\":\"cli\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\"}}")
        .blockingGet();

    CliRun past = CliRun.of("at", plain, "-1h");
    assertThat(past.exitCode()).as(past.err()).isEqualTo(ExitCode.OUT_OF_RANGE);
    assertThat(past.err()).startsWith("rstream at: no state at ").contains("carry no timestamps");
    assertThat(past.out()).isEmpty();

    CliRun now = CliRun.of("at", plain, "now", "--compact");
    assertThat(now.exitCode()).as(now.err()).isZero();
    JsonNode printed = JSON.readTree(now.out());
    assertThat(printed.get("state").get("cli").get("k").asInt()).isEqualTo(1);
    assertThat(printed.get("timestamp").isNull()).as("unknown, not 1970").isTrue();
  }

  @Test
  void unparsableTimeIsAUsageError() {
    CliRun run = CliRun.of("at", streams.url(), "yesterday");

    assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(run.err()).contains("not a time: 'yesterday'");

    CliRun typo = CliRun.of("at", streams.url(), "-5x");

    assertThat(typo.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(typo.err()).contains("not a time: '-5x'").contains("-5m");
    CliRun suggested = CliRun.of("at", streams.url(), "-5m", "--compact");
    assertThat(suggested.exitCode())
        .as("what the message suggests is a time: " + suggested.err())
        .isNotEqualTo(ExitCode.USAGE);
  }

  /** The state of {@code view} as the CLI prints it: type → key → value, built independently. */
  private static JsonNode stateOf(StateView view) throws IOException {
    ObjectNode state = JSON.createObjectNode();
    for (String type : view.types()) {
      ObjectNode entities = state.putObject(type);
      for (Map.Entry<String, String> e : new TreeMap<>(view.entities(type)).entrySet()) {
        entities.set(e.getKey(), JSON.readTree(e.getValue()));
      }
    }
    return state;
  }
}
