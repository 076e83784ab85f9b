package dev.rstream.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Stream-TTL and Producer-Epoch/Seq share one decimal syntax check; these are its edges. */
class HeaderValuesTest {

  @Test
  void unsignedDecimalTakesAsciiDigitsUpToTheLimit() {
    assertThat(HeaderValues.unsignedDecimal("0", 18, false)).isZero();
    assertThat(HeaderValues.unsignedDecimal("3600", 18, false)).isEqualTo(3600);
    assertThat(HeaderValues.unsignedDecimal("9".repeat(18), 18, false))
        .isEqualTo(999_999_999_999_999_999L);
    assertThat(HeaderValues.unsignedDecimal("9".repeat(19), 18, false)).isEqualTo(-1);
    assertThat(HeaderValues.unsignedDecimal("9".repeat(17), 16, true)).isEqualTo(-1);
  }

  @Test
  void unsignedDecimalRefusesSignsSpacesNonAsciiDigitsAndUnwantedLeadingZeros() {
    for (String bad : new String[] {"", "-1", "+1", " 1", "1 ", "1.0", "1e3", "abc", "١"}) {
      assertThat(HeaderValues.unsignedDecimal(bad, 18, true)).as(bad).isEqualTo(-1);
    }
    assertThat(HeaderValues.unsignedDecimal("007", 18, false)).isEqualTo(-1);
    assertThat(HeaderValues.unsignedDecimal("007", 18, true)).isEqualTo(7);
  }

  @Test
  void flagsAreTrueInAnyCase() {
    assertThat(HeaderValues.isTrue("true")).isTrue();
    assertThat(HeaderValues.isTrue(" TRUE ")).isTrue();
    assertThat(HeaderValues.isTrue("false")).isFalse();
    assertThat(HeaderValues.isTrue("1")).isFalse();
    assertThat(HeaderValues.isTrue(null)).isFalse();
  }
}
