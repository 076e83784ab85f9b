package dev.rstream.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.testing.UndeliveredRxErrors;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What every {@code rstream} command does when it cannot do its job: one line on standard error
 * naming the cause and the URL, and the exit code {@code --help} lists for it.
 */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamCliExitCodesTest {
  @RegisterExtension static final WorkloadStreams streams = WorkloadStreams.serverOnly();

  @Test
  void malformedUrlExitsWithItsCode() {
    CliRun run = CliRun.of("at", "not a url", "now");

    assertThat(run.exitCode()).isEqualTo(ExitCode.BAD_URL);
    assertThat(run.err())
        .isEqualTo("rstream at: malformed URL: 'not a url' (want http(s)://host[:port]/path)\n");
  }

  @Test
  void aTextStreamIsNotAStateStreamRatherThanAServerDown() {
    String text = streams.newStreamUrl("text");
    DurableStream stream = DurableStream.builder().url(text).build();
    stream.create(CreateOptions.builder().contentType("text/plain").build()).blockingGet();
    stream.append("hello world".getBytes(StandardCharsets.UTF_8), "text/plain").blockingGet();

    for (String[] command :
        List.of(
            new String[] {"at", text, "-1h"},
            new String[] {"at", text, "now"},
            new String[] {"tail", text})) {
      CliRun run = CliRun.of(command);

      assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCode.NOT_A_STATE_STREAM);
      assertThat(run.err())
          .as(command[0])
          .startsWith(
              "rstream " + command[0] + ": not a state stream: its content type is text/plain")
          .contains(text);
      assertThat(run.err().lines()).hasSize(1);
    }
  }

  @Test
  void serverDownExitsUnavailableWithoutRetryingForever() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    String down = "http://127.0.0.1:" + closedPort + "/v1/stream/cli/down";
    for (String[] command :
        List.of(
            new String[] {"at", down, "now"},
            new String[] {"windows", down},
            new String[] {"tail", down},
            new String[] {
              "append",
              down,
              "{\"type\":\"t\",\"key\":\"k\",\"headers\":{\"operation\":\"delete\"}}"
            })) {
      CliRun run = CliRun.of(command);

      assertThat(run.exitCode()).as(command[0]).isEqualTo(ExitCode.UNAVAILABLE);
      assertThat(run.err())
          .startsWith("rstream " + command[0] + ": server unavailable: ")
          .contains(down);
      assertThat(run.err().lines()).hasSize(1);
    }
  }

  @Test
  void missingStreamExitsNotFound() {
    String missing = streams.streamUrl("cli/does-not-exist");

    CliRun run = CliRun.of("windows", missing);

    assertThat(run.exitCode()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(run.err())
        .startsWith("rstream windows: stream not found (")
        .contains(missing)
        .contains("404");
    assertThat(run.err().lines()).hasSize(1);
  }

  @Test
  void verbosePrintsTheStackTrace() {
    CliRun run = CliRun.of("--verbose", "at", streams.streamUrl("cli/does-not-exist"), "now");

    assertThat(run.exitCode()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(run.err().lines().count()).isGreaterThan(2);
    assertThat(run.err()).contains("dev.rstream.StreamNotFoundException").contains("\tat ");
  }

  @Test
  void helpListsTheCommandsAndExitCodes() {
    CliRun run = CliRun.of("--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("tail", "at", "windows", "append", "Exit codes:")
        .containsPattern("(?m)^ +7 +server down")
        .containsPattern("(?m)^ +10 +not a state stream");
  }
}
