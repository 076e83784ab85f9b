package dev.rstream.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** A chunked body over the limit is a clean 413 with nothing appended. */
final class ChunkedTooLargeTest {
  @Test
  void chunkedBodyOverTheLimitIs413() throws Exception {
    try (StubServer server = StubServer.builder().maxBodyBytes(1024).build().start()) {
      Http http = new Http(server);
      http.put("c", "text/plain", "");
      try (Socket socket = new Socket("127.0.0.1", server.port())) {
        OutputStream out = socket.getOutputStream();
        StringBuilder request =
            new StringBuilder(
                "POST /v1/stream/c HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
        // 2 KB in all: it fits the socket buffers, so the early 413 cannot break the write.
        for (int i = 0; i < 4; i++)
          request.append("200\r\n").append("x".repeat(512)).append("\r\n");
        request.append("0\r\n\r\n");
        out.write(request.toString().getBytes(US_ASCII));
        out.flush();
        byte[] status = new byte[12];
        new DataInputStream(socket.getInputStream()).readFully(status);
        assertThat(new String(status, US_ASCII)).isEqualTo("HTTP/1.1 413");
      }
      assertThat(http.get("c?offset=-1").body()).isEmpty();
      http.close();
    }
  }
}
