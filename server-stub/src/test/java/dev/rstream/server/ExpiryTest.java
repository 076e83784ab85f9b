package dev.rstream.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.server.storage.MemoryLogStore;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Absolute expiry and TTL (spec 5.1): expired streams are gone for readers and from the store. */
class ExpiryTest {
  private static final MemoryLogStore store = new MemoryLogStore();

  @RegisterExtension
  static final PlainServer plainServer = new PlainServer(builder -> builder.store(store));

  @Test
  void streamPastItsExpiryIs404AndCanBeCreatedAgain() {
    String past = Instant.now().minusSeconds(1).toString();
    assertThat(
            plainServer
                .http()
                .put("exp/past", "text/plain", "old", "Stream-Expires-At", past)
                .code())
        .isEqualTo(201);
    assertThat(plainServer.http().get("exp/past").code()).isEqualTo(404);
    assertThat(plainServer.http().head("exp/past").code()).isEqualTo(404);
    assertThat(store.meta("exp/past")).isNull();
    assertThat(plainServer.http().put("exp/past", "text/plain", "new").code()).isEqualTo(201);
    assertThat(plainServer.http().get("exp/past").body()).isEqualTo("new");
  }

  @Test
  void expiredStreamNobodyReadsIsSweptFromTheStore() throws Exception {
    BlockingQueue<String> deleted = new LinkedBlockingQueue<>();
    AutoCloseable listening =
        store.addTailListener(
            (path, tail, closed, isDeleted) -> {
              if (isDeleted) deleted.add(path);
            });
    try {
      String soon = Instant.now().plusMillis(500).toString();
      assertThat(
              plainServer
                  .http()
                  .put("exp/soon", "text/plain", "x", "Stream-Expires-At", soon)
                  .code())
          .isEqualTo(201);
      assertThat(deleted.poll(15, SECONDS)).isEqualTo("exp/soon");
      assertThat(store.meta("exp/soon")).isNull();
    } finally {
      listening.close();
    }
  }

  @Test
  void headReportsExpiryInRfc3339() {
    String at = "2099-01-02T03:04:05.678Z";
    plainServer
        .http()
        .put("exp/head", "text/plain", "", "Stream-Expires-At", "2099-01-02T04:04:05.678+01:00");
    assertThat(plainServer.http().head("exp/head").header("Stream-Expires-At")).isEqualTo(at);
  }

  @Test
  void expiresAtFollowsRfc3339NotIso8601() {
    // RFC 3339 allows a lower-case "t" and "z" and requires the seconds; ISO 8601 does neither.
    assertThat(
            plainServer
                .http()
                .put("exp/lower", "text/plain", "", "Stream-Expires-At", "2099-01-02t03:04:05z")
                .code())
        .isEqualTo(201);
    assertThat(plainServer.http().head("exp/lower").header("Stream-Expires-At"))
        .isEqualTo("2099-01-02T03:04:05.000Z");
    Http.Reply noSeconds =
        plainServer
            .http()
            .put("exp/minutes", "text/plain", "", "Stream-Expires-At", "2099-01-02T03:04Z");
    assertThat(noSeconds.code()).isEqualTo(400);
    assertThat(noSeconds.body()).contains("invalid_expires_at");
  }
}
