package dev.rstream.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.Change;
import dev.rstream.RStreamClient;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.server.StubServer;
import java.io.StringWriter;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code rstream keyframer} on a plain JSON stream (one server-stub does not keyframe, as any other
 * server): it prints the keyframes it appends and indexes, a client seeks by time through them, and
 * an interrupt stops it with status 0.
 */
class KeyframerCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private StubServer server;

  @BeforeEach
  void start() throws Exception {
    server = StubServer.builder().memory().build().start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void writesKeyframesAndIndexEntriesUntilInterrupted() throws Exception {
    String url = server.streamUrl("cli/keyframed");
    DurableStream.builder().url(url).build().create(CreateOptions.json()).blockingGet();
    LineQueue out = new LineQueue();
    StringWriter err = new StringWriter();
    BackgroundCommand keyframer =
        BackgroundCommand.start(out, err, "keyframer", url, "--changes", "3", "--interval", "1h");
    try {
      assertLine(out, err, "appended"); // the stream's initial, empty keyframe
      assertLine(out, err, "indexed");
      Instant first = Instant.parse("2026-01-01T00:00:00Z");
      try (RStreamClient client = RStreamClient.builder().streamUrl(url).build()) {
        for (int i = 0; i < 3; i++) {
          client
              .append(
                  Change.builder()
                      .operation(Change.Operation.UPDATE)
                      .type("order")
                      .key("o" + i)
                      .value("{\"n\":" + i + "}")
                      .timestamp(first.plusSeconds(i))
                      .build())
              .blockingGet();
        }
        JsonNode appended = assertLine(out, err, "appended");
        assertThat(appended.get("entities").asInt()).isEqualTo(3);
        assertThat(appended.get("timestamp").asText()).isEqualTo("2026-01-01T00:00:02Z");
        assertLine(out, err, "indexed");
        assertThat(client.window(first.plusMillis(1500)).blockingLast().entities("order"))
            .containsOnlyKeys("o0", "o1");
        assertThat(client.window(first.minusSeconds(1)).blockingLast().size()).isZero();
      }
    } finally {
      keyframer.stop();
    }
    assertThat(keyframer.isAlive()).isFalse();
    assertThat(keyframer.exitCode()).as(err.toString()).isEqualTo(ExitCode.OK);
  }

  @Test
  void malformedUrlExitsWithItsCode() {
    CliRun run = CliRun.of("keyframer", "not a url");
    assertThat(run.exitCode()).isEqualTo(ExitCode.BAD_URL);
    assertThat(run.err()).contains("malformed URL");
  }

  private static JsonNode assertLine(LineQueue out, StringWriter err, String kind)
      throws Exception {
    String line = out.poll(20);
    assertThat(line).as("a '" + kind + "' line; " + err).isNotNull();
    JsonNode node = JSON.readTree(line);
    assertThat(node.get("keyframe").asText()).as(line).isEqualTo(kind);
    return node;
  }
}
