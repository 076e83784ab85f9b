package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.server.storage.MemoryLogStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many one-off producer ids cannot grow the server without bound: ids are at most 256 bytes, and a
 * producer's state is forgotten once it has been idle for the configured time.
 */
final class ProducerBoundsTest {
  @Test
  void producerIdsOver256BytesAreRefusedWithNothingAppended() throws Exception {
    try (StubServer server = StubServer.builder().build().start()) {
      Http http = new Http(server);
      http.put("p", "text/plain", "");
      String tail = http.get("p?offset=now").nextOffset();
      Http.Reply refused = http.postAsProducer("p", "text/plain", "x", "i".repeat(257), "0", "0");
      assertThat(refused.code()).isEqualTo(400);
      assertThat(http.get("p?offset=now").nextOffset()).isEqualTo(tail);
      assertThat(http.postAsProducer("p", "text/plain", "x", "i".repeat(256), "0", "0").code())
          .isEqualTo(200);
      http.close();
    }
  }

  @Test
  void idleProducerStateExpiresAndItsNextWriteStartsAfresh() throws Exception {
    MemoryLogStore store = new MemoryLogStore();
    try (StubServer server =
        StubServer.builder()
            .store(store)
            .producerIdleExpiry(Duration.ofSeconds(5))
            .build()
            .start()) {
      Http http = new Http(server);
      http.put("p", "text/plain", "");
      for (int i = 0; i < 20; i++) {
        assertThat(http.postAsProducer("p", "text/plain", "m", "one-off-" + i, "0", "0").code())
            .isEqualTo(200);
      }
      assertThat(store.producers("p")).hasSize(20);
      // An active producer is not expired while the others are.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      int seq = 0;
      while (store.producers("p").size() > 1 && System.nanoTime() < deadline) {
        assertThat(
                http.postAsProducer("p", "text/plain", "a", "active", "0", Integer.toString(seq++))
                    .code())
            .isEqualTo(200);
        Thread.sleep(50); // the active producer keeps writing while the idle ones age
      }
      assertThat(store.producers("p")).extracting(s -> s.producerId()).containsExactly("active");
      // A forgotten producer starts again at sequence 0.
      assertThat(http.postAsProducer("p", "text/plain", "again", "one-off-0", "0", "0").code())
          .isEqualTo(200);
      http.close();
    }
  }
}
