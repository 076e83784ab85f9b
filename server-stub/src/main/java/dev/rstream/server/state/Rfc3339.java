package dev.rstream.server.state;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * RFC 3339 timestamps as the State Protocol carries them ({@code headers.timestamp}). The JDK's ISO
 * formatters are close but not equal to RFC 3339 (they accept a missing seconds field and reject a
 * lower-case {@code t} or {@code z}, which RFC 3339 allows), hence this strict grammar. A leap
 * second ({@code :60}) is rejected, as {@code java.time} has none. Stateless and thread-safe.
 */
public final class Rfc3339 {
  private static final DateTimeFormatter MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /**
   * The latest instant a timestamp may name: {@link #formatMillis} writes anything later, or its
   * next millisecond, with a five-digit year that no RFC 3339 parser (this one included) reads.
   */
  static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");

  /** The earliest instant a timestamp may name: earlier ones format with a negative year. */
  static final Instant EARLIEST = Instant.parse("0000-01-01T00:00:00Z");

  private Rfc3339() {}

  /**
   * Parses any RFC 3339 date-time (any offset, any fraction, {@code T} or a space) that names an
   * instant from {@link #EARLIEST} to {@link #LATEST} in UTC, so that whatever it accepts can be
   * written back (to the millisecond, rounded up) and read again.
   *
   * @throws DateTimeParseException when {@code text} is not one, or names an instant outside that
   *     range
   */
  public static Instant parse(String text) throws DateTimeParseException {
    // By hand: it runs for every change under the stream's append lock, and the formatter-based
    // parse costs about ten times as much. LocalDate/LocalTime still check the ranges.
    int n = text.length();
    if (n < 20
        || text.charAt(4) != '-'
        || text.charAt(7) != '-'
        || "Tt ".indexOf(text.charAt(10)) < 0
        || text.charAt(13) != ':'
        || text.charAt(16) != ':') {
      throw invalid(text);
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 2);
    int day = digits(text, 8, 2);
    int hour = digits(text, 11, 2);
    int minute = digits(text, 14, 2);
    int second = digits(text, 17, 2);
    int i = 19;
    int nanos = 0;
    if (text.charAt(i) == '.') {
      int start = ++i;
      while (i < n && Character.isDigit(text.charAt(i))) i++;
      int count = i - start;
      if (count == 0 || count > 9) throw invalid(text);
      nanos = digits(text, start, count);
      for (int k = count; k < 9; k++) nanos *= 10;
    }
    if (i >= n) throw invalid(text);
    int offsetSeconds;
    char z = text.charAt(i);
    if ((z == 'Z' || z == 'z') && i + 1 == n) {
      offsetSeconds = 0;
    } else if ((z == '+' || z == '-') && i + 6 == n && text.charAt(i + 3) == ':') {
      int hh = digits(text, i + 1, 2);
      int mm = digits(text, i + 4, 2);
      if (hh > 23 || mm > 59) throw invalid(text);
      offsetSeconds = (z == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    } else {
      throw invalid(text);
    }
    try {
      LocalDateTime local =
          LocalDateTime.of(
              LocalDate.of(year, month, day), LocalTime.of(hour, minute, second, nanos));
      Instant instant = local.toInstant(ZoneOffset.ofTotalSeconds(offsetSeconds));
      if (instant.isAfter(LATEST) || instant.isBefore(EARLIEST)) {
        throw new DateTimeParseException(
            text
                + " is outside 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z, the instants"
                + " this server can store and read back",
            text,
            0);
      }
      return instant;
    } catch (DateTimeException e) {
      throw new DateTimeParseException(
          text + " is not a valid date-time: " + e.getMessage(), text, 0);
    }
  }

  private static int digits(String text, int from, int count) {
    int value = 0;
    for (int k = from; k < from + count; k++) {
      char c = text.charAt(k);
      if (c < '0' || c > '9') throw invalid(text);
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static DateTimeParseException invalid(String text) {
    return new DateTimeParseException("not an RFC 3339 date-time: " + text, text, 0);
  }

  /** UTC with millisecond precision, e.g. {@code 2026-11-22T03:25:00.123Z}; drops finer digits. */
  public static String formatMillis(Instant instant) {
    return MILLIS.format(instant);
  }

  /**
   * UTC with millisecond precision, or more digits when {@code instant} has them: a keyframe copies
   * its last change's instant, and truncating it would put the keyframe before that change.
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
