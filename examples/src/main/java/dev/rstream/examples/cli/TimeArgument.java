package dev.rstream.examples.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * The TIME argument of {@code rstream at}: an RFC 3339 date-time ({@code 2026-11-22T04:00:00Z}, any
 * offset, fractions of a second), {@code now}, or a time relative to now ({@code -30s}, {@code
 * -5m}, {@code -2h}, {@code -1d}, {@code -250ms}). Also parses the durations of options ({@code
 * 10s}).
 */
final class TimeArgument implements CommandLine.ITypeConverter<Instant> {
  private final Supplier<Instant> now;

  /** Relative times count from the system clock. */
  TimeArgument() {
    this(Instant::now);
  }

  TimeArgument(Supplier<Instant> now) {
    this.now = now;
  }

  @Override
  public Instant convert(String text) {
    try {
      // Stream timestamps have millisecond precision; nanoseconds would only clutter messages.
      return parse(text, now.get().truncatedTo(ChronoUnit.MILLIS));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }

  /**
   * The instant {@code text} names, relative ones counted back from {@code now}.
   *
   * @throws IllegalArgumentException naming the accepted forms.
   */
  static Instant parse(String text, Instant now) {
    String t = text.trim();
    if (t.equalsIgnoreCase("now")) return now;
    if (t.startsWith("-")) {
      try {
        return now.minus(duration(t.substring(1), text));
      } catch (IllegalArgumentException e) {
        // A duration's own message would suggest "5m", which is not a time: suggest times.
        throw notATime(text);
      }
    }
    // RFC 3339 allows a lower-case 't'/'z' and a space between date and time; java.time does not.
    String iso = t.toUpperCase(Locale.ROOT);
    if (iso.length() > 10 && iso.charAt(10) == ' ')
      iso = iso.substring(0, 10) + 'T' + iso.substring(11);
    try {
      return OffsetDateTime.parse(iso).toInstant();
    } catch (DateTimeParseException e) {
      if (isDuration(t)) {
        throw new IllegalArgumentException(
            "not a time: '" + text + "' (a time before now takes a minus sign: -" + t + ")");
      }
      throw notATime(text);
    }
  }

  /**
   * Every form named here must be one {@link #parse} accepts: a user types what the message
   * suggests.
   */
  private static IllegalArgumentException notATime(String text) {
    return new IllegalArgumentException(
        "not a time: '"
            + text
            + "' (want RFC 3339 like 2026-11-22T04:00:00Z, 'now',"
            + " or a time before now like -30s, -5m, -2h, -1d or -250ms)");
  }

  private static boolean isDuration(String t) {
    try {
      duration(t, t);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** A duration like {@code 250ms}, {@code 10s}, {@code 5m}, {@code 2h} or {@code 1d}. */
  static Duration duration(String text) {
    return duration(text.trim(), text);
  }

  private static Duration duration(String t, String original) {
    int digits = 0;
    while (digits < t.length() && Character.isDigit(t.charAt(digits))) digits++;
    if (digits == 0 || digits > 12) throw notDuration(original);
    long n = Long.parseLong(t.substring(0, digits));
    switch (t.substring(digits)) {
      case "ms":
        return Duration.ofMillis(n);
      case "s":
        return Duration.ofSeconds(n);
      case "m":
        return Duration.ofMinutes(n);
      case "h":
        return Duration.ofHours(n);
      case "d":
        return Duration.ofDays(n);
      default:
        throw notDuration(original);
    }
  }

  private static IllegalArgumentException notDuration(String text) {
    return new IllegalArgumentException(
        "not a duration: '" + text + "' (want 250ms, 10s, 5m, 2h or 1d)");
  }

  /** Converts option values such as {@code --timeout 10s}. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      try {
        return duration(text);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
