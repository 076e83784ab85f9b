package dev.rstream.examples.readme;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.server.StubServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
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

      String java = new File(System.getProperty("java.home"), "bin/java").getPath();
      Process child =
          new ProcessBuilder(
                  java,
                  "-XX:TieredStopAtLevel=1",
                  "-cp",
                  System.getProperty("java.class.path"),
                  QuickStart.class.getName(),
                  url)
              .redirectErrorStream(true)
              .start();
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = in.readLine()) != null; ) lines.add(line);
                } catch (Exception ignored) {
                  // the child was destroyed
                }
              });
      reader.start();
      try {
        String printed = null;
        for (String line; printed == null && (line = lines.poll(60, SECONDS)) != null; ) {
          if (line.startsWith("o-17: ")) printed = line;
        }
        assertThat(printed).as("the app printed its write; output: %s", lines).isNotNull();
        assertThat(printed).contains("{\"status\":\"paid\"}");

        boolean exited = child.waitFor(EXIT_BOUND_SECONDS, SECONDS);
        assertThat(exited)
            .as("the JVM exited within %s s of main's last line", EXIT_BOUND_SECONDS)
            .isTrue();
        assertThat(child.exitValue()).isZero();
      } finally {
        child.destroyForcibly().waitFor(10, SECONDS);
        reader.join(5_000);
      }
    }
  }
}
