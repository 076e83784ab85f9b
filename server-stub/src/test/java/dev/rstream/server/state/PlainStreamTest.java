package dev.rstream.server.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.server.storage.StreamMeta;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Streams created without Rstream-Keyframes are plain Durable Streams (docs/PROTOCOL.md 3.0). */
class PlainStreamTest {
  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void plainStreamMessagesComeBackAsTheSameListAndBytes() throws Exception {
    StreamMeta meta = h.appender.create("plain", null);
    byte[] change =
        Harness.change("insert", "t", "k", "{ \"a\" : 1 }", null).getBytes(StandardCharsets.UTF_8);
    byte[] junk = "not json at all".getBytes(StandardCharsets.UTF_8);
    List<byte[]> messages = List.of(change, junk);

    List<byte[]> out = h.conventions.beforeAppend(meta, messages, Harness.T0.toEpochMilli());

    assertThat(out).isSameAs(messages);
    assertThat(out.get(0)).isSameAs(change);
  }

  @Test
  void plainStreamGetsNoKeyframeNoIndexNoStamp() throws Exception {
    h.appender.create("plain", null);
    for (int i = 0; i < 5; i++) {
      h.appender.clientAppend("plain", Harness.change("insert", "t", "k" + i, "1", null));
    }
    h.scheduler.advance(Duration.ofMinutes(10));

    assertThat(h.texts("plain"))
        .hasSize(5)
        .allSatisfy(t -> assertThat(t).doesNotContain("timestamp").doesNotContain("snapshot"));
    assertThat(h.store.meta("plain" + RealStreamConventions.INDEX_SUFFIX)).isNull();
    assertThat(h.conventions.stateSnapshot("plain")).isNull();
  }

  @Test
  void deletingAPlainStreamLeavesAStreamNamedLikeAnIndexAlone() throws Exception {
    h.appender.create("p", null);
    h.appender.create("p" + RealStreamConventions.INDEX_SUFFIX, null);

    h.appender.delete("p");

    assertThat(h.store.meta("p" + RealStreamConventions.INDEX_SUFFIX)).isNotNull();
  }
}
