package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A keyframe policy cannot turn a little appended data into a lot of stored data: intervals are
 * bounded, and a keyframe waits until the changes since the last one weigh at least a share of it.
 */
final class KeyframeBoundsTest {
  private static StubServer server;
  private static Http http;

  @BeforeAll
  static void start() throws Exception {
    server = StubServer.builder().longPollTimeout(Duration.ofSeconds(1)).build().start();
    http = new Http(server);
  }

  @AfterAll
  static void stop() {
    http.close();
    server.close();
  }

  @Test
  void intervalsOutsideOneSecondToAWeekAreRefused() {
    for (String policy :
        new String[] {
          "changes=1, interval=1ms", "interval=999ms", "interval=999999999999h", "interval=169h"
        }) {
      Http.Reply reply =
          http.put("bounds/refused", "application/json", "", "Rstream-Keyframes", policy);
      assertThat(reply.code()).as(policy).isEqualTo(400);
      assertThat(http.head("bounds/refused").code()).isEqualTo(404);
    }
    assertThat(
            http.put("bounds/week", "application/json", "", "Rstream-Keyframes", "interval=168h")
                .code())
        .isEqualTo(201);
  }

  @Test
  void aKeyframePerChangeStoresAtMostItsShareOfWhatWasAppended() throws Exception {
    String path = "bounds/every-change";
    assertThat(
            http.put(path, "application/json", "", "Rstream-Keyframes", "changes=1, interval=1s")
                .code())
        .isEqualTo(201);
    long start = position(http.get(path + "?offset=now").nextOffset());
    long appended = 0;
    for (int i = 0; i < 300; i++) {
      String change =
          "{\"type\":\"item\",\"key\":\"key-"
              + i
              + "\",\"value\":\""
              + "v".repeat(40)
              + "\",\"headers\":{\"operation\":\"insert\",\"timestamp\":\"2030-01-01T00:00:00.000Z\"}}";
      assertThat(http.post(path, "application/json", change).code()).isEqualTo(204);
      appended += change.length();
    }
    // Keyframes still come: the policy is delayed, not ignored.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String index = http.get(path + ".keyframes?offset=-1").body();
    while (index.split("\"offset\"").length < 4 && System.nanoTime() < deadline) {
      Thread.sleep(20); // polling a condition: the keyframe thread writes them
      index = http.get(path + ".keyframes?offset=-1").body();
    }
    assertThat(index.split("\"offset\"").length).isGreaterThanOrEqualTo(4);
    long stored = position(http.get(path + "?offset=now").nextOffset()) - start;
    // Changes are stored with their offset header, keyframes at most 8x the changes before them.
    assertThat(stored).isLessThan(12 * appended);
  }

  private static long position(String offset) {
    return Long.parseUnsignedLong(offset.substring(17), 16);
  }
}
