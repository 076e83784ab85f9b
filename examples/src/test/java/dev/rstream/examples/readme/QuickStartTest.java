package dev.rstream.examples.readme;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.server.StubServer;
import dev.rstream.testing.ChildJvm;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a newcomer builds from the README alone: an app that appends, reads its write, closes, and
 * whose JVM then exits, with no idle HTTP thread keeping it alive.
 */
class QuickStartTest {
  /** Well below the minute an idle OkHttp dispatcher thread would keep a JVM alive. */
  private static final long EXIT_BOUND_SECONDS = 30;

  @Test
  void theReadmeAppAppendsReadsItsWriteAndItsJvmExits(@TempDir Path data) throws Exception {
    try (StubServer server = StubServer.builder().dataDir(data).build().start()) {
      String url = server.streamUrl("quickstart/orders");
      DurableStream.builder()
          .url(url)
          .build()
          .create(
              CreateOptions.builder()
                  .contentType("application/json")
                  .header("Rstream-Keyframes", "changes=1000, interval=60s")
                  .build())
          .timeout(10, SECONDS)
          .blockingGet();

      try (ChildJvm child = ChildJvm.start(QuickStart.class, url)) {
        String printed = child.awaitLine(line -> line.startsWith("o-17: "), 60, SECONDS);
        assertThat(printed).as("the app printed its write; output: %s", child.output()).isNotNull();
        assertThat(printed).contains("{\"status\":\"paid\"}");

        boolean exited = child.waitFor(EXIT_BOUND_SECONDS, SECONDS);
        assertThat(exited)
            .as("the JVM exited within %s s of main's last line", EXIT_BOUND_SECONDS)
            .isTrue();
        assertThat(child.exitValue()).isZero();
      }
    }
  }
}
