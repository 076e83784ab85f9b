package dev.rstream.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.server.storage.MemoryLogStore;
import dev.rstream.server.storage.StreamMeta;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A client that goes away halfway through its body appends nothing. */
class DisconnectMidRequestTest {
  private static final MemoryLogStore store = new MemoryLogStore();

  @RegisterExtension
  static final PlainServer plainServer = new PlainServer(builder -> builder.store(store));

  @Test
  void halfBodyThenCloseAppendsNothing() throws Exception {
    assertThat(plainServer.http().put("cut/json", "application/json", "[1]").code()).isEqualTo(201);
    BlockingQueue<Long> tails = new LinkedBlockingQueue<>();
    AutoCloseable listening =
        store.addTailListener((path, tail, closed, deleted) -> tails.add(tail));
    try {
      String body = "[2, 3, 4, 5]";
      try (Socket socket = new Socket("127.0.0.1", plainServer.server().port())) {
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /v1/stream/cut/json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: "
                    + body.length()
                    + "\r\n\r\n"
                    + body.substring(0, 5))
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
      // The next append after the cut one must land right after [1], and be the only change.
      Http.Reply next = plainServer.http().post("cut/json", "application/json", "[9]");
      assertThat(next.code()).isEqualTo(204);
      Long tail = tails.poll(5, SECONDS);
      StreamMeta meta = store.meta("cut/json");
      assertThat(tail).isEqualTo(meta.tailPosition());
      assertThat(tails).isEmpty();
      assertThat(plainServer.http().get("cut/json").body()).isEqualTo("[1,9]");
    } finally {
      listening.close();
    }
  }

  @Test
  void halfBodyOfTextThenCloseAppendsNothing() throws Exception {
    assertThat(plainServer.http().put("cut/text", "text/plain", "a").code()).isEqualTo(201);
    try (Socket socket = new Socket("127.0.0.1", plainServer.server().port())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/stream/cut/text HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                  + "Content-Length: 100\r\n\r\nbbbbbbbbbb")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
    assertThat(plainServer.http().post("cut/text", "text/plain", "c").code()).isEqualTo(204);
    assertThat(plainServer.http().get("cut/text").body()).isEqualTo("ac");
  }
}
