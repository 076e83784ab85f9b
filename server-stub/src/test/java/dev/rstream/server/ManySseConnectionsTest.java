package dev.rstream.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Thousands of parked SSE readers hold sockets and objects, not threads (spec 5.8). */
class ManySseConnectionsTest {
  private static final int READERS = 2000;

  @Test
  void twoThousandSseReadersAreHeldByAFewThreadsAndAllGetTheNextAppend() throws Exception {
    try (StubServer server =
        StubServer.builder()
            .conventions(new RecordingConventions())
            .sseCycle(Duration.ofMinutes(5))
            .sseHeartbeat(Duration.ofMinutes(1))
            .build()
            .start()) {
      Http http = new Http(server);
      assertThat(http.put("crowd", "application/json", "").code()).isEqualTo(201);
      byte[] request =
          ("GET /v1/stream/crowd?offset=now&live=sse HTTP/1.1\r\nHost: x\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      List<Socket> sockets = new ArrayList<>(READERS);
      try {
        for (int i = 0; i < READERS; i++) {
          Socket socket = new Socket();
          sockets.add(socket);
          socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
          socket.setSoTimeout(10_000);
          OutputStream out = socket.getOutputStream();
          out.write(request);
          out.flush();
        }
        long deadline = System.nanoTime() + SECONDS.toNanos(30);
        while (server.liveReaders() < READERS && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(server.liveReaders()).isEqualTo(READERS);
        // Acceptor, selector and a spare or two; nothing per parked reader.
        int busy = server.busyThreads();
        assertThat(busy).isLessThanOrEqualTo(6);

        assertThat(http.post("crowd", "application/json", "{\"hello\":\"all\"}").code())
            .isEqualTo(204);
        for (Socket socket : sockets) {
          assertThat(readUntil(socket.getInputStream(), "data:[{\"hello\":\"all\"}]"))
              .contains("HTTP/1.1 200")
              .contains("event: control");
        }
        assertThat(server.busyThreads()).isLessThanOrEqualTo(6);
      } finally {
        for (Socket socket : sockets) {
          socket.close();
        }
        http.close();
      }
    }
  }

  private static String readUntil(InputStream in, String marker) throws IOException {
    StringBuilder seen = new StringBuilder();
    byte[] buffer = new byte[4096];
    while (seen.indexOf(marker) < 0) {
      int n = in.read(buffer);
      if (n < 0) throw new AssertionError("connection ended before " + marker + ": " + seen);
      seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
    }
    return seen.toString();
  }
}
