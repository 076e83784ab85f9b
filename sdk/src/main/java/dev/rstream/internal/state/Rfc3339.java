package dev.rstream.internal.state;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import org.jspecify.annotations.Nullable;

/** The SDK's one parser of RFC 3339 timestamps, as State Protocol headers and the index carry. */
public final class Rfc3339 {
  private Rfc3339() {}

  /**
   * Parses an RFC 3339 timestamp ({@code Z} or a numeric offset, any fraction of a second).
   *
   * @throws DateTimeException if {@code text} is not one.
   */
  public static Instant parse(String text) {
    // Every change carries a timestamp, and java.time's formatter parse costs about as much as
    // decoding the rest of the message; the fixed RFC 3339 layout is parsed by hand, and anything
    // unusual goes to the formatter (Instant.parse takes only 'Z' before Java 12).
    Instant fast = parseRfc3339(text);
    return fast != null ? fast : OffsetDateTime.parse(text).toInstant();
  }

  private static @Nullable Instant parseRfc3339(String s) {
    int n = s.length();
    if (n < 20
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':') {
      return null;
    }
    char t = s.charAt(10);
    if (t != 'T' && t != 't') return null;
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    if ((year | month | day | hour | minute | second) < 0) return null;
    if (hour > 23 || minute > 59 || second > 59) return null;
    int i = 19;
    int nanos = 0;
    if (s.charAt(i) == '.') {
      int start = ++i;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        if (i - start < 9) nanos = nanos * 10 + (s.charAt(i) - '0');
        i++;
      }
      if (i == start) return null;
      for (int k = i - start; k < 9; k++) nanos *= 10;
    }
    if (i >= n) return null;
    char zone = s.charAt(i);
    int offsetSeconds;
    if ((zone == 'Z' || zone == 'z') && i + 1 == n) {
      offsetSeconds = 0;
    } else if ((zone == '+' || zone == '-') && i + 6 == n && s.charAt(i + 3) == ':') {
      int offsetHours = digits(s, i + 1, 2);
      int offsetMinutes = digits(s, i + 4, 2);
      if ((offsetHours | offsetMinutes) < 0 || offsetHours > 23 || offsetMinutes > 59) return null;
      offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (zone == '-' ? -1 : 1);
    } else {
      return null;
    }
    long epochDay = LocalDate.of(year, month, day).toEpochDay(); // validates the date
    return Instant.ofEpochSecond(
        epochDay * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds, nanos);
  }

  /** The decimal number in {@code s[from, from + count)}, or -1 if a char is not a digit. */
  private static int digits(String s, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') return -1;
      value = value * 10 + (c - '0');
    }
    return value;
  }
}
