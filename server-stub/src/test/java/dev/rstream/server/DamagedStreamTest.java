package dev.rstream.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bit flipped on disk in the middle of a stream, end to end: the stream is served up to the
 * damage, every request past it is a 503 that says so (never data from further on, never an offset
 * handed out again), and after the operator's salvage the old offsets answer 410.
 */
final class DamagedStreamTest {
  @TempDir Path dir;

  @Test
  void flippedBitFencesTheStreamAndSalvageMakesOldOffsetsGone() throws Exception {
    List<String> offsets = new ArrayList<>(); // offsets.get(i) = after message i
    StringBuilder all = new StringBuilder();
    try (StubServer server = server(false)) {
      Http http = new Http(server);
      assertThat(http.put("d", "text/plain", "").code()).isEqualTo(201);
      for (int i = 0; i < 10; i++) {
        Http.Reply reply = http.post("d", "text/plain", "message-" + i + ";");
        assertThat(reply.code()).isEqualTo(204);
        offsets.add(reply.nextOffset());
        all.append("message-").append(i).append(';');
      }
      http.close();
    }
    flipBitIn("message-5;");

    try (StubServer server = server(false)) {
      Http http = new Http(server);
      Http.Reply head = http.get("d?offset=-1");
      assertThat(head.code()).isEqualTo(200);
      assertThat(head.body()).isEqualTo(all.substring(0, all.indexOf("message-5")));
      assertThat(head.nextOffset()).isEqualTo(offsets.get(4));
      for (String offset : List.of(offsets.get(4), offsets.get(7), offsets.get(9))) {
        Http.Reply past = http.get("d?offset=" + offset);
        assertThat(past.code()).isEqualTo(503);
        assertThat(past.body()).contains("stream_damaged").doesNotContain("message-");
        assertThat(http.get("d?offset=" + offset + "&live=long-poll").code()).isEqualTo(503);
      }
      Http.Reply append = http.post("d", "text/plain", "late;");
      assertThat(append.code()).isEqualTo(503);
      assertThat(append.body()).contains("stream_damaged");
      assertThat(http.put("d", "application/json", "").code()).isEqualTo(409);
      http.close();
    }

    try (StubServer server = server(true)) {
      Http http = new Http(server);
      assertThat(http.get("d?offset=" + offsets.get(4)).code()).isEqualTo(410);
      assertThat(http.get("d?offset=" + offsets.get(9)).code()).isEqualTo(410);
      Http.Reply salvaged = http.get("d?offset=-1");
      assertThat(salvaged.body()).isEqualTo(all.toString()); // the one flipped bit repaired
      assertThat(http.post("d", "text/plain", "after;").code()).isEqualTo(204);
      http.close();
    }
    assertThat(Files.list(dir.resolve("damaged"))).hasSize(1);
  }

  private StubServer server(boolean salvage) throws Exception {
    return StubServer.builder()
        .dataDir(dir)
        .salvageDamaged(salvage)
        .conventions(new RecordingConventions())
        .build()
        .start();
  }

  private void flipBitIn(String message) throws Exception {
    Path file;
    try (Stream<Path> files = Files.list(dir.resolve("streams"))) {
      file = files.findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(file);
    int at = new String(bytes, ISO_8859_1).indexOf(message);
    assertThat(at).isPositive();
    bytes[at + 3] ^= 0x10;
    Files.write(file, bytes);
  }
}
