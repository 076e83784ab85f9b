package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting and closing the embeddable server: no leaked threads or ports, durable restarts. */
class LifecycleTest {

  private static Set<String> serverThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith("rstream-http") || name.startsWith("rstream-timer"))
        .collect(Collectors.toSet());
  }

  @Test
  void closeEndsLiveReadsStopsThreadsAndFreesThePort() throws Exception {
    StubServer server = StubServer.builder().conventions(new RecordingConventions()).build().start();
    Http http = new Http(server);
    http.put("life", "application/json", "[1]");
    int port = server.port();
    try (SseEvents sse = new SseEvents(http, "life?offset=-1&live=sse")) {
      assertThat(sse.next().name()).isEqualTo("data");
      server.close();
      SseEvents.Event event;
      do {
        event = sse.nextRaw();
      } while (event != SseEvents.END);
    }
    http.close();
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!serverThreads().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(serverThreads()).isEmpty();
    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(IOException.class);
  }

  @Test
  void dataDirectorySurvivesARestartWithItsProducersAndStreamSeq(@TempDir Path dir)
      throws Exception {
    String offset;
    try (StubServer server =
        StubServer.builder().dataDir(dir).conventions(new RecordingConventions()).build().start()) {
      Http http = new Http(server);
      http.put("kept", "application/json", "");
      offset =
          http.post(
                  "kept", "application/json", "[1,2]", "Producer-Id", "p", "Producer-Epoch", "0",
                  "Producer-Seq", "0", "Stream-Seq", "0005")
              .nextOffset();
      http.close();
    }
    assertThat(Files.list(dir)).isNotEmpty();
    try (StubServer server =
        StubServer.builder().dataDir(dir).conventions(new RecordingConventions()).build().start()) {
      Http http = new Http(server);
      assertThat(http.get("kept").body()).isEqualTo("[1,2]");
      assertThat(http.get("kept").nextOffset()).isEqualTo(offset);
      // The retry after the restart is recognised, and Stream-Seq still only goes up.
      assertThat(
              http.post(
                      "kept", "application/json", "[1,2]", "Producer-Id", "p", "Producer-Epoch",
                      "0", "Producer-Seq", "0")
                  .code())
          .isEqualTo(204);
      assertThat(http.post("kept", "application/json", "3", "Stream-Seq", "0004").code())
          .isEqualTo(409);
      assertThat(http.get("kept").body()).isEqualTo("[1,2]");
      http.close();
    }
  }

  @Test
  void aSecondServerOnTheSameDataDirectoryDoesNotStart(@TempDir Path dir) throws Exception {
    try (StubServer first =
        StubServer.builder().dataDir(dir).conventions(new RecordingConventions()).build().start()) {
      assertThat(first.port()).isPositive();
      assertThatThrownBy(
              () ->
                  StubServer.builder()
                      .dataDir(dir)
                      .conventions(new RecordingConventions())
                      .build()
                      .start())
          .isInstanceOf(IOException.class)
          .hasMessageContaining(dir.toString());
    }
  }
}
