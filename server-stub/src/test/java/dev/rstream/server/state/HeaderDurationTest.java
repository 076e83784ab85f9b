package dev.rstream.server.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The duration parameters of both policy headers, parsed by {@link HeaderDuration}. */
class HeaderDurationTest {
  @Test
  void bothHeadersReadTheUnitsTheyAllow() {
    assertThat(RetentionPolicy.parse("age=2d").age()).isEqualTo(Duration.ofDays(2));
    assertThat(RetentionPolicy.parse("age=1500ms").age()).isEqualTo(Duration.ofMillis(1500));
    assertThat(KeyframePolicy.parse("interval=90", KeyframePolicy.DEFAULT).interval())
        .isEqualTo(Duration.ofSeconds(90));
    assertThat(KeyframePolicy.parse("interval=3M", KeyframePolicy.DEFAULT).interval())
        .isEqualTo(Duration.ofMinutes(3));
  }

  @Test
  void aMissingNumberNamesTheHeaderAndTheParameter() {
    assertThatThrownBy(() -> RetentionPolicy.parse("age=h"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid Rstream-Retention 'age=h': age must be a whole number with a unit");
    assertThatThrownBy(
            () -> KeyframePolicy.parse("interval=1234567890123s", KeyframePolicy.DEFAULT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Invalid Rstream-Keyframes 'interval=1234567890123s': interval must be a whole number"
                + " with a unit");
  }

  @Test
  void aUnitTheHeaderDoesNotAllowListsTheOnesItDoes() {
    assertThatThrownBy(() -> RetentionPolicy.parse("age=3w"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid Rstream-Retention 'age=3w': age unit must be ms, s, m, h or d");
    assertThatThrownBy(() -> KeyframePolicy.parse("interval=1d", KeyframePolicy.DEFAULT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid Rstream-Keyframes 'interval=1d': interval unit must be ms, s, m or h");
  }
}
