package dev.rstream.examples.cli;

import static dev.rstream.examples.cli.WorkloadStreams.KEYFRAMES;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.testing.UndeliveredRxErrors;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code rstream windows URL}: the keyframe index and the windows between keyframes. */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamCliWindowsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final WorkloadStreams streams = WorkloadStreams.writtenPerTest();

  @Test
  void windowsListsTheKeyframesOfTheIndex() throws Exception {
    List<JsonNode> index = streams.keyframes(KEYFRAMES);

    CliRun json = CliRun.of("windows", streams.url(), "--json");

    assertThat(json.exitCode()).as(json.err()).isZero();
    JsonNode printed = JSON.readTree(json.out());
    assertThat(printed.get("keyframes")).hasSize(KEYFRAMES);
    JsonNode windows = printed.get("windows");
    assertThat(windows).hasSize(KEYFRAMES);
    for (int k = 0; k < KEYFRAMES; k++) {
      JsonNode keyframe = printed.get("keyframes").get(k);
      assertThat(keyframe.get("offset")).isEqualTo(index.get(k).get("offset"));
      if (index.get(k).has("timestamp")) {
        assertThat(Instant.parse(keyframe.get("timestamp").asText()))
            .isEqualTo(Instant.parse(index.get(k).get("timestamp").asText()));
      } else {
        // The initial keyframe has no timestamp (docs/PROTOCOL.md 3.2): printed as null.
        assertThat(keyframe.get("timestamp").isNull()).as("keyframe %d", k).isTrue();
      }
      JsonNode window = windows.get(k);
      assertThat(window.get("start")).isEqualTo(keyframe);
      assertThat(window.get("state").asText()).isEqualTo(k < KEYFRAMES - 1 ? "COMMITTED" : "LIVE");
      if (k < KEYFRAMES - 1)
        assertThat(window.get("end")).isEqualTo(printed.get("keyframes").get(k + 1));
      else assertThat(window.get("end").isNull()).isTrue();
    }

    CliRun table = CliRun.of("windows", streams.url());

    assertThat(table.exitCode()).as(table.err()).isZero();
    List<String> lines = table.out().lines().toList();
    assertThat(lines).hasSize(KEYFRAMES + 2); // summary, header, one row per window
    assertThat(lines.get(0)).startsWith(KEYFRAMES + " keyframes, " + KEYFRAMES + " windows");
    for (int k = 0; k < KEYFRAMES; k++) {
      assertThat(lines.get(k + 2)).contains(index.get(k).get("offset").asText());
    }
    assertThat(lines.get(KEYFRAMES + 1)).contains("LIVE").contains("(tail)");
  }
}
