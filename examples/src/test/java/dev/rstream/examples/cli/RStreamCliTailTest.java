package dev.rstream.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import dev.rstream.server.StubServer;
import dev.rstream.server.workload.Workload;
import dev.rstream.testing.UndeliveredRxErrors;
import java.io.StringWriter;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code rstream tail URL}: a state line, then one line per change, until interrupted, its output
 * closed, or the server gone for longer than {@code --timeout}.
 */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamCliTailTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final WorkloadStreams streams = WorkloadStreams.writtenPerTest();

  @Test
  void tailPrintsAChangeAppendedAfterItStarted() throws Exception {
    String url = streams.url();
    LineQueue out = new LineQueue();
    StringWriter err = new StringWriter();
    BackgroundCommand tail = BackgroundCommand.start(out, err, "tail", url);
    try {
      String first = out.poll(10);
      assertThat(first).as(err.toString()).isNotNull();
      JsonNode head = JSON.readTree(first);
      try (RStreamClient client = RStreamClient.builder().streamUrl(url).build()) {
        StateView live = client.live().blockingFirst();
        assertThat(head.get("size").asInt()).isEqualTo(live.size());
        assertThat(head.get("offset").asText()).isEqualTo(live.offset().value());
      }

      CliRun append =
          CliRun.of(
              "append",
              url,
              "{\"type\":\"cli\",\"key\":\"tailed\",\"value\":[1,2],\"headers\":{\"operation\":\"update\"}}");
      assertThat(append.exitCode()).as(append.err()).isZero();

      String line = out.poll(10);
      assertThat(line).as("the appended change, " + err).isNotNull();
      JsonNode change = JSON.readTree(line);
      assertThat(change.get("operation").asText()).isEqualTo("update");
      assertThat(change.get("type").asText()).isEqualTo("cli");
      assertThat(change.get("key").asText()).isEqualTo("tailed");
      assertThat(change.get("value")).isEqualTo(JSON.readTree("[1,2]"));
      assertThat(change.get("offset").asText()).isEqualTo(append.out().strip());
      assertThat(change.get("timestamp").asText()).isNotEmpty();
    } finally {
      tail.stop();
    }
    assertThat(tail.isAlive()).isFalse();
    assertThat(tail.exitCode()).as(err.toString()).isEqualTo(ExitCode.OK);
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void tailEndsWhenItsOutputIsClosed() throws Exception {
    // As in `rstream tail URL | head -2`: the reader takes two lines and goes away.
    ClosingOutput out = new ClosingOutput(2);
    StringWriter err = new StringWriter();
    BackgroundCommand tail = BackgroundCommand.start(out, err, "tail", streams.url());
    try {
      assertThat(out.poll(10)).as("the state line, " + err).isNotNull();
      // One line each: the first is the reader's last, the second finds the output closed.
      for (String key : List.of("read", "unread")) {
        CliRun append =
            CliRun.of(
                "append",
                streams.url(),
                "{\"type\":\"cli\",\"key\":\""
                    + key
                    + "\",\"value\":1,\"headers\":{\"operation\":\"update\"}}");
        assertThat(append.exitCode()).as(append.err()).isZero();
      }
      assertThat(out.poll(10)).as("the first change").contains("\"read\"");

      tail.awaitExit(10);
      assertThat(tail.isAlive()).as("tail still running with its output closed").isFalse();
    } finally {
      tail.stop();
    }
    assertThat(tail.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(err.toString()).isEmpty();
    assertThat(out.refused()).isPositive();
  }

  @Test
  void tailGivesUpWhenTheServerStaysDown() throws Exception {
    StubServer doomed = StubServer.builder().memory().build().start();
    String doomedUrl = doomed.streamUrl("cli/doomed");
    try {
      Workload.builder().streamUrl(URI.create(doomedUrl)).count(3).rate(5_000).build().run();
      LineQueue out = new LineQueue();
      LineQueue err = new LineQueue();
      BackgroundCommand tail =
          BackgroundCommand.start(out, err, "tail", doomedUrl, "--timeout", "1s");
      assertThat(out.poll(10)).as("the state line").isNotNull();

      doomed.close();

      assertThat(err.poll(10))
          .isEqualTo("rstream tail: lost the connection, retrying for up to 1 s");
      assertThat(err.poll(10))
          .isEqualTo("rstream tail: lost " + doomedUrl + " and could not reconnect within 1 s");
      tail.awaitExit(10);
      assertThat(tail.isAlive()).isFalse();
      assertThat(tail.exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
      assertThat(out.poll(0)).isNull();
    } finally {
      doomed.close();
    }
  }
}
