package dev.rstream.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.Offset;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.ProducerOptions;
import dev.rstream.durable.ReadOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class OffsetAndOptionsTest {
  @Test
  void offsetsSortWithStartFirstAndNowLast() {
    List<Offset> offsets =
        new ArrayList<>(
            List.of(
                Offset.NOW,
                Offset.of("0000_0010"),
                Offset.START,
                Offset.of("0000_0002"),
                Offset.of("0001_0000")));
    Collections.sort(offsets);
    assertThat(offsets)
        .containsExactly(
            Offset.START,
            Offset.of("0000_0002"),
            Offset.of("0000_0010"),
            Offset.of("0001_0000"),
            Offset.NOW);
    assertThat(Offset.of("-1")).isSameAs(Offset.START);
    assertThat(Offset.of("now")).isSameAs(Offset.NOW);
    assertThat(Offset.of("a").max(Offset.of("b"))).isEqualTo(Offset.of("b"));
  }

  @Test
  void offsetsWithReservedOrInvisibleCharactersAreRejected() {
    for (String bad : new String[] {"", "a,b", "a&b", "a=b", "a?b", "a/b", "a b", "a\nb"}) {
      assertThatThrownBy(() -> Offset.of(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void producerOptionsAreCheckedNamingTheOption() {
    assertThatThrownBy(() -> ProducerOptions.builder("p").epoch(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epoch");
    assertThatThrownBy(() -> ProducerOptions.builder("p").maxBatchBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBatchBytes");
    assertThatThrownBy(() -> ProducerOptions.builder("p").maxBatchBytes(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBatchBytes");
    assertThatThrownBy(() -> ProducerOptions.builder("p").maxBatchItems(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBatchItems");
    assertThatThrownBy(() -> ProducerOptions.builder("p").maxInFlight(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxInFlight");
    assertThatThrownBy(() -> ProducerOptions.builder(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("producerId");
    assertThat(
            ProducerOptions.builder("test-producer")
                .epoch(0)
                .maxBatchBytes(1048576)
                .build()
                .maxBatchBytes())
        .isEqualTo(1048576);
  }

  @Test
  void readAndCreateOptionsRejectNonsense() {
    assertThatThrownBy(() -> ReadOptions.builder().maxBatchMessages(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ReadOptions.builder().endOffset(Offset.NOW))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> CreateOptions.builder().ttlSeconds(5).expiresAt("2030-01-01T00:00:00Z").build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CreateOptions.builder().expiresAt("tomorrow"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
