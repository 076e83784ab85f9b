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
    StubServer server =
        StubServer.builder().conventions(new RecordingConventions()).build().start();
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

  /**
   * Clients connecting while the server stops must each see their connection end (EOF or reset),
   * never a socket that stays open and silent: that once hung clients until their read timeout.
   */
  @Test
  void closeEndsEveryConnectionEvenOneAcceptedWhileItStops() throws Exception {
    byte[] request =
        "GET /v1/stream/none HTTP/1.1\r\nHost: x\r\n\r\n"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (int round = 0; round < 30; round++) {
      StubServer server =
          StubServer.builder().conventions(new RecordingConventions()).build().start();
      int port = server.port();
      java.util.List<Socket> sockets = new java.util.ArrayList<>();
      java.util.concurrent.CountDownLatch connecting = new java.util.concurrent.CountDownLatch(1);
      Thread connector =
          new Thread(
              () -> {
                connecting.countDown();
                for (int i = 0; i < 40; i++) {
                  try {
                    Socket socket = new Socket("127.0.0.1", port);
                    socket.setSoTimeout(5_000);
                    socket.getOutputStream().write(request);
                    synchronized (sockets) {
                      sockets.add(socket);
                    }
                  } catch (IOException refusedOrReset) {
                    return; // the server is gone: nothing more can connect
                  }
                }
              });
      connector.start();
      connecting.await();
      server.close();
      connector.join(10_000);
      synchronized (sockets) {
        for (Socket socket : sockets) {
          try (socket) {
            java.io.InputStream in = socket.getInputStream();
            // An answer may come first (the request raced the stop); then the end must follow.
            while (in.read() != -1) {
              // drain
            }
          } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("round " + round + ": a connection stayed open and silent", e);
          } catch (IOException reset) {
            // A reset ends the connection too.
          }
        }
      }
    }
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
          http.postAsProducer(
                  "kept", "application/json", "[1,2]", "p", "0", "0", "Stream-Seq", "0005")
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
      assertThat(http.postAsProducer("kept", "application/json", "[1,2]", "p", "0", "0").code())
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
