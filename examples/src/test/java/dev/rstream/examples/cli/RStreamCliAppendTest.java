package dev.rstream.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.Offset;
import dev.rstream.durable.DurableStream;
import dev.rstream.testing.UndeliveredRxErrors;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code rstream append URL JSON}: the changes it appends and the input it refuses. */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamCliAppendTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final WorkloadStreams streams = WorkloadStreams.writtenPerTest();

  @Test
  void appendThenAtShowsTheChange() throws Exception {
    String url = streams.url();
    CliRun append =
        CliRun.of(
            "append",
            url,
            "[{\"type\":\"cli\",\"key\":\"a\",\"value\":{\"n\":1},\"headers\":{\"operation\":\"insert\"}},"
                + "{\"type\":\"cli\",\"key\":\"b\",\"value\":\"two\",\"headers\":{\"operation\":\"insert\"}}]");

    assertThat(append.exitCode()).as(append.err()).isZero();
    Offset appended = Offset.of(append.out().strip());
    assertThat(appended).isEqualTo(nextOffset(url));

    CliRun delete =
        CliRun.of(
            "append",
            url,
            "{\"type\":\"cli\",\"key\":\"b\",\"headers\":{\"operation\":\"delete\"}}");
    assertThat(delete.exitCode()).as(delete.err()).isZero();
    assertThat(Offset.of(delete.out().strip())).isGreaterThan(appended);

    CliRun at = CliRun.of("at", url, "now", "--compact");

    assertThat(at.exitCode()).as(at.err()).isZero();
    JsonNode state = JSON.readTree(at.out()).get("state");
    assertThat(state.get("cli")).isEqualTo(JSON.readTree("{\"a\":{\"n\":1}}"));
  }

  @Test
  void malformedJsonIsRefusedAndNothingIsAppended() throws Exception {
    String url = streams.url();
    Offset before = nextOffset(url);

    CliRun malformed = CliRun.of("append", url, "{\"type\":\"cli\",");
    assertThat(malformed.exitCode()).isEqualTo(ExitCode.BAD_JSON);
    assertThat(malformed.err()).startsWith("rstream append: malformed JSON at line 1, column ");
    assertThat(malformed.err().lines()).hasSize(1);

    Map<String, String> notStateProtocol =
        Map.of(
            "{\"type\":\"cli\",\"key\":\"k\",\"value\":1}", "change has no \"headers\" object",
            "{\"type\":\"cli\",\"value\":1,\"headers\":{\"operation\":\"insert\"}}",
                "needs a non-empty string \"key\"",
            "{\"type\":\"cli\",\"key\":\"k\",\"headers\":{\"operation\":\"insert\"}}",
                "is an insert with no \"value\"",
            "{\"type\":\"cli\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"upsert\"}}",
                "\"upsert\"",
            "[{\"type\":\"cli\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\"}},3]",
                "change [1] is not a JSON object",
            "{\"headers\":{\"control\":\"snapshot-start\"}}", "control message",
            "[]", "the array is empty",
            "{\"type\":\"a\",\"key\":\"b\",\"value\":1,\"headers\":{\"operation\":\"insert\"}} {}",
                "malformed JSON");
    for (Map.Entry<String, String> input : notStateProtocol.entrySet()) {
      CliRun run = CliRun.of("append", url, input.getKey());

      assertThat(run.exitCode()).as(input.getKey()).isEqualTo(ExitCode.BAD_JSON);
      assertThat(run.err()).as(input.getKey()).contains(input.getValue());
      assertThat(run.err().lines()).hasSize(1);
    }
    assertThat(nextOffset(url)).isEqualTo(before);
  }

  /** The offset the stream's next append will take, from a HEAD request. */
  private static Offset nextOffset(String url) {
    return DurableStream.builder().url(url).build().head().blockingGet().nextOffset();
  }
}
