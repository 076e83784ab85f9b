package dev.rstream.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Request bodies are held whole, so together they get a memory budget: a write that would go beyond
 * it is answered 503 with {@code Retry-After} before its body is read, and the budget comes back
 * when a body is done (or its client went away).
 */
final class BodiesInFlightTest {
  private static final int MAX_BODY = 1 << 20;

  @Test
  void writesBeyondTheBudgetAre503UntilBodiesInFlightFinish() throws Exception {
    try (StubServer server =
        StubServer.builder()
            .maxBodyBytes(MAX_BODY)
            .maxBodiesInFlightBytes(2L * MAX_BODY)
            .build()
            .start()) {
      Http http = new Http(server);
      assertThat(http.put("big", "application/octet-stream", "").code()).isEqualTo(201);
      try (Socket first = slowBody(server, MAX_BODY);
          Socket second = slowBody(server, MAX_BODY)) {
        // Both bodies are announced, one byte each sent: the budget is spent once the server saw
        // them.
        Http.Reply busy = awaitStatus(http, 503);
        assertThat(busy.header("Retry-After")).isEqualTo("1");
        assertThat(busy.body()).contains("server_busy");
        second.getOutputStream().write(new byte[MAX_BODY - 1]);
        second.getOutputStream().flush();
        assertThat(RawHttp.readAll(second.getInputStream())).startsWith("HTTP/1.1 204");
        assertThat(awaitStatus(http, 204).code()).isEqualTo(204);
      }
      // A client that went away gives its reservation back too.
      Http.Reply after = awaitStatus(http, 204);
      assertThat(after.code()).isEqualTo(204);
      try (Socket third = slowBody(server, MAX_BODY);
          Socket fourth = slowBody(server, MAX_BODY)) {
        awaitStatus(http, 503);
      }
      assertThat(awaitStatus(http, 204).code()).isEqualTo(204);
      http.close();
    }
  }

  /**
   * A POST that announces {@code length} bytes and sends only the first, once the server holds its
   * reservation: one answered at once (503, the budget still held by a body whose client just went
   * away) is tried again.
   */
  private static Socket slowBody(StubServer server, int length) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      Socket socket = new Socket("127.0.0.1", server.port());
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/stream/big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  + "Content-Type: application/octet-stream\r\nContent-Length: "
                  + length
                  + "\r\n\r\n")
              .getBytes(US_ASCII));
      out.write(0); // the server reads the request once content arrives
      out.flush();
      socket.setSoTimeout(300);
      try {
        int answered = socket.getInputStream().read();
        socket.close();
        assertThat(answered).isNotNegative();
        assertThat(System.nanoTime()).isLessThan(deadline);
      } catch (SocketTimeoutException waiting) {
        socket.setSoTimeout(0);
        return socket; // no answer: the server reserved the body and waits for it
      }
    }
  }

  /** Posts a small body until the answer has {@code status}; fails after ten seconds. */
  private static Http.Reply awaitStatus(Http http, int status) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      Http.Reply reply = http.post("big", "application/octet-stream", "small");
      if (reply.code() == status || System.nanoTime() > deadline) {
        assertThat(reply.code()).isEqualTo(status);
        return reply;
      }
      Thread.sleep(20); // polling a condition: the server sees the slow requests asynchronously
    }
  }
}
