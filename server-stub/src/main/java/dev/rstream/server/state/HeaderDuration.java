package dev.rstream.server.state;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * A duration parameter of a policy header ({@code age=2h}, {@code interval=30s}): a whole number of
 * at most 12 digits, then one of the units the header allows ({@code ms}, {@code s}, {@code m},
 * {@code h}, {@code d}); no unit means seconds. Bad input is an {@link IllegalArgumentException}
 * whose message names the header, its value and the parameter.
 */
final class HeaderDuration {
  private static final Map<String, ChronoUnit> UNITS =
      Map.of(
          "ms", ChronoUnit.MILLIS,
          "s", ChronoUnit.SECONDS,
          "m", ChronoUnit.MINUTES,
          "h", ChronoUnit.HOURS,
          "d", ChronoUnit.DAYS);

  private HeaderDuration() {}

  /**
   * Parses {@code value}, the parameter {@code parameter} of the header {@code header} whose whole
   * value was {@code headerValue}, allowing the units in {@code allowedUnits} (from {@code ms, s,
   * m, h, d}, listed in the error in that order).
   */
  static Duration parse(
      String header, String headerValue, String parameter, String value, String... allowedUnits) {
    String v = value.toLowerCase(Locale.ROOT);
    int digits = 0;
    while (digits < v.length() && Character.isDigit(v.charAt(digits))) digits++;
    if (digits == 0 || digits > 12) {
      throw invalid(header, headerValue, parameter + " must be a whole number with a unit");
    }
    long n = Long.parseLong(v.substring(0, digits));
    String unit = v.substring(digits).trim();
    if (unit.isEmpty()) unit = "s";
    ChronoUnit chrono = UNITS.get(unit);
    if (chrono == null || !Arrays.asList(allowedUnits).contains(unit)) {
      int last = allowedUnits.length - 1;
      String list =
          String.join(", ", Arrays.copyOf(allowedUnits, last)) + " or " + allowedUnits[last];
      throw invalid(header, headerValue, parameter + " unit must be " + list);
    }
    return Duration.of(n, chrono);
  }

  /** The error for a bad value of {@code header}. */
  static IllegalArgumentException invalid(String header, String headerValue, String why) {
    return new IllegalArgumentException("Invalid " + header + " '" + headerValue + "': " + why);
  }
}
