package dev.rstream.server.state;

import static java.time.temporal.ChronoField.DAY_OF_MONTH;
import static java.time.temporal.ChronoField.HOUR_OF_DAY;
import static java.time.temporal.ChronoField.MINUTE_OF_HOUR;
import static java.time.temporal.ChronoField.MONTH_OF_YEAR;
import static java.time.temporal.ChronoField.NANO_OF_SECOND;
import static java.time.temporal.ChronoField.SECOND_OF_MINUTE;
import static java.time.temporal.ChronoField.YEAR;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.format.SignStyle;

/**
 * RFC 3339 timestamps as the State Protocol carries them ({@code headers.timestamp}). The JDK's
 * ISO formatters are close but not equal to RFC 3339 (they accept a missing seconds field and
 * reject a lower-case {@code t} or {@code z}, which RFC 3339 allows), hence this strict grammar.
 * Stateless and thread-safe.
 */
public final class Rfc3339 {
  private static final DateTimeFormatter PARSER =
      new DateTimeFormatterBuilder()
          .parseCaseInsensitive()
          .appendValue(YEAR, 4, 4, SignStyle.NOT_NEGATIVE)
          .appendLiteral('-')
          .appendValue(MONTH_OF_YEAR, 2)
          .appendLiteral('-')
          .appendValue(DAY_OF_MONTH, 2)
          .appendLiteral('T')
          .appendValue(HOUR_OF_DAY, 2)
          .appendLiteral(':')
          .appendValue(MINUTE_OF_HOUR, 2)
          .appendLiteral(':')
          .appendValue(SECOND_OF_MINUTE, 2)
          .optionalStart()
          .appendFraction(NANO_OF_SECOND, 1, 9, true)
          .optionalEnd()
          .appendOffset("+HH:MM", "Z")
          .toFormatter()
          .withResolverStyle(ResolverStyle.STRICT);

  private static final DateTimeFormatter MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private Rfc3339() {}

  /**
   * Parses any RFC 3339 date-time (any offset, any fraction, {@code T} or a space).
   *
   * @throws DateTimeParseException when {@code text} is not one
   */
  public static Instant parse(String text) throws DateTimeParseException {
    String t = text;
    // RFC 3339 5.6 lets applications use a space instead of "T".
    if (t.length() > 10 && t.charAt(10) == ' ') t = t.substring(0, 10) + 'T' + t.substring(11);
    return OffsetDateTime.parse(t, PARSER).toInstant();
  }

  /** UTC with millisecond precision, e.g. {@code 2026-11-22T03:25:00.123Z}; drops finer digits. */
  public static String formatMillis(Instant instant) {
    return MILLIS.format(instant);
  }

  /**
   * UTC with millisecond precision, or more digits when {@code instant} has them: a keyframe
   * copies its last change's instant, and truncating it would put the keyframe before that change.
   */
  static String formatExact(Instant instant) {
    return instant.getNano() % 1_000_000 == 0
        ? MILLIS.format(instant)
        : DateTimeFormatter.ISO_INSTANT.format(instant);
  }

  /** {@code instant} rounded up to the next whole millisecond (itself when already whole). */
  static Instant ceilMillis(Instant instant) {
    Instant floor = instant.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    return floor.equals(instant) ? instant : floor.plusMillis(1);
  }
}
