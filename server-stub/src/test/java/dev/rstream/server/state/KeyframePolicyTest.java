package dev.rstream.server.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.server.storage.MemoryLogStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyframePolicyTest {
  private final RealStreamConventions conventions =
      RealStreamConventions.builder()
          .store(new MemoryLogStore())
          .offsetFormat(Harness.OFFSETS)
          .defaultPolicy(new KeyframePolicy(1000, Duration.ofSeconds(60)))
          .build();

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "changes=1000, interval=60s | changes=1000, interval=60s",
        "'' | changes=1000, interval=60s",
        "changes=5 | changes=5, interval=60s",
        "interval=10s | changes=1000, interval=10s",
        "  INTERVAL = 2m ,changes=7  | changes=7, interval=120s",
        "interval=1h | changes=1000, interval=3600s",
        "interval=1500ms | changes=1000, interval=1500ms",
        "interval=30 | changes=1000, interval=30s",
      })
  void normalisesToOneCanonicalFormWithDefaults(String header, String canonical) {
    assertThat(conventions.normalisePolicy(header)).isEqualTo(canonical);
    // The stored form goes through again on the next PUT: it must come back unchanged.
    assertThat(conventions.normalisePolicy(canonical)).isEqualTo(canonical);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "changes=0",
        "changes=-1",
        "changes=ten",
        "changes=99999999999",
        "interval=0s",
        "interval=5d",
        "interval=s",
        "changes=1, changes=2",
        "window=5",
        "changes",
        "changes=5,",
      })
  void junkIsRejectedWithTheHeaderInTheMessage(String header) {
    assertThatThrownBy(() -> conventions.normalisePolicy(header))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Rstream-Keyframes");
  }

  @Test
  void equalPoliciesCompareEqual() {
    assertThat(KeyframePolicy.parse("interval=1m", KeyframePolicy.DEFAULT))
        .isEqualTo(KeyframePolicy.parse("changes=1000,interval=60", KeyframePolicy.DEFAULT))
        .hasSameHashCodeAs(KeyframePolicy.DEFAULT);
  }
}
