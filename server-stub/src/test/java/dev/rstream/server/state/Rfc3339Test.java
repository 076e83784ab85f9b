package dev.rstream.server.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Rfc3339Test {
  @ParameterizedTest
  @CsvSource({
    "2026-11-22T03:25:00Z, 2026-11-22T03:25:00Z",
    "2026-11-22T03:25:00.123Z, 2026-11-22T03:25:00.123Z",
    "2026-11-22t03:25:00.1z, 2026-11-22T03:25:00.100Z",
    "2026-11-22 04:25:00+01:00, 2026-11-22T03:25:00Z",
    "2026-11-21T22:25:00.123456789-05:00, 2026-11-22T03:25:00.123456789Z",
  })
  void parsesEveryRfc3339Form(String text, String instant) {
    assertThat(Rfc3339.parse(text)).isEqualTo(Instant.parse(instant));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2026-11-22T03:25Z",
        "2026-11-22T03:25:00",
        "2026-11-22",
        "yesterday",
        "2026-13-01T00:00:00Z",
        "2026-11-22T03:25:00.1234567890Z",
        "2026-02-30T00:00:00Z",
        "2026-11-22T03:25:00.Z",
        "2026-11-22T03:25:00+0100",
        "2026-11-22T03:25:00+24:00",
        "2026-11-22T24:00:00Z",
        "2026-11-22T03:25:60Z",
        "+2026-11-22T03:25:00Z",
        "2026-11-22T03:25:00Zjunk",
        "2026-11-22X03:25:00Z",
        "2026-11-22T03:25:00"
      })
  void rejectsWhatIsNotRfc3339(String text) {
    assertThatThrownBy(() -> Rfc3339.parse(text)).isInstanceOf(DateTimeParseException.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "9999-12-31T23:59:59.9991Z",
        "9999-12-31T23:59:59.9999Z",
        "9999-12-31T23:30:00-01:00",
        "0000-01-01T00:30:00+01:00"
      })
  void rejectsInstantsItCouldNotWriteBackAndReadAgain(String text) {
    assertThatThrownBy(() -> Rfc3339.parse(text))
        .isInstanceOf(DateTimeParseException.class)
        .hasMessageContaining("read back");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "9999-12-31T23:59:59.999Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999+00:00"
      })
  void everyInstantItAcceptsRoundTripsThroughTheStoredForm(String text) {
    Instant parsed = Rfc3339.parse(text);
    assertThat(Rfc3339.parse(Rfc3339.formatMillis(Rfc3339.ceilMillis(parsed)))).isEqualTo(parsed);
    assertThat(Rfc3339.parse(Rfc3339.formatExact(parsed))).isEqualTo(parsed);
  }

  @Test
  void formatsMillisecondsAlwaysAndFinerDigitsOnlyWhenExact() {
    Instant whole = Instant.parse("2026-11-22T03:25:00Z");
    assertThat(Rfc3339.formatMillis(whole)).isEqualTo("2026-11-22T03:25:00.000Z");
    assertThat(Rfc3339.formatExact(whole)).isEqualTo("2026-11-22T03:25:00.000Z");
    Instant fine = Instant.parse("2026-11-22T03:25:00.123456Z");
    assertThat(Rfc3339.formatExact(fine)).isEqualTo("2026-11-22T03:25:00.123456Z");
    assertThat(Rfc3339.ceilMillis(fine)).isEqualTo(Instant.parse("2026-11-22T03:25:00.124Z"));
  }
}
