package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.server.storage.FullDisk;
import dev.rstream.server.storage.LogStore;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk fills up under a running server: writes answer 503 (never 500), nothing acknowledged is
 * lost, and once space returns writes succeed again without a restart, with no trace of what
 * failed, not even in a state stream's keyframes.
 */
final class DiskFullTest {
  @TempDir Path dir;

  @Test
  void writesAnswer503WhileFullAndSucceedOnceSpaceReturns() throws Exception {
    FullDisk disk = new FullDisk();
    try (LogStore store = FullDisk.open(dir, disk);
        StubServer server = StubServer.builder().store(store).build().start()) {
      Http http = new Http(server);
      assertThat(http.put("plain", "text/plain", "a;").code()).isEqualTo(201);
      assertThat(http.put("state", "application/json", "", "Rstream-Keyframes", "changes=2").code())
          .isEqualTo(201);

      disk.free(3);
      Http.Reply append = http.post("plain", "text/plain", "lost;");
      assertThat(append.code()).isEqualTo(503);
      assertThat(append.header("Retry-After")).isNotNull();
      assertThat(append.body()).contains("storage_failed").doesNotContain("Exception");
      Http.Reply create = http.put("created-while-full", "text/plain", "x");
      assertThat(create.code()).isEqualTo(503);
      assertThat(create.body()).doesNotContain("NullPointerException");
      assertThat(http.post("state", "application/json", change("ghost")).code()).isEqualTo(503);

      disk.freeAll();
      assertThat(eventually(() -> http.post("plain", "text/plain", "b;"))).isEqualTo(204);
      assertThat(http.get("plain?offset=-1").body()).isEqualTo("a;b;");
      assertThat(eventually(() -> http.put("created-while-full", "text/plain", "x")))
          .isEqualTo(201);
      assertThat(eventually(() -> http.post("state", "application/json", change("one"))))
          .isEqualTo(204);
      assertThat(http.post("state", "application/json", change("two")).code()).isEqualTo(204);

      // The keyframe after "two" holds the state the stream holds: no "ghost".
      String body = "";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        body = http.get("state?offset=-1").body();
        if (body.split("snapshot-start").length > 2) break;
        Thread.sleep(20); // polling a condition: the keyframe thread writes it
      }
      String lastKeyframe = body.substring(body.lastIndexOf("snapshot-start"));
      assertThat(lastKeyframe).contains("\"one\"").contains("\"two\"").doesNotContain("ghost");
      assertThat(body).doesNotContain("ghost");
      http.close();
    }
  }

  private static String change(String key) {
    return "{\"type\":\"item\",\"key\":\""
        + key
        + "\",\"value\":1,\"headers\":{\"operation\":\"insert\"}}";
  }

  /** The status of the first attempt that is not a 503; gives up after ten seconds. */
  private static int eventually(Supplier<Http.Reply> attempt) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      int code = attempt.get().code();
      if (code != 503 || System.nanoTime() > deadline) return code;
      Thread.sleep(20); // polling a condition: the store heals on its own thread
    }
  }
}
