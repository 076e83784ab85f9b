package dev.rstream.keyframer;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import org.jspecify.annotations.Nullable;

/** RFC 3339 timestamps as the State Protocol carries them in {@code headers.timestamp}. */
final class Timestamps {
  private static final DateTimeFormatter MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
          .withZone(java.time.ZoneOffset.UTC);

  private Timestamps() {}

  /** The instant {@code text} names, or null when it is not an RFC 3339 time. */
  static @Nullable Instant parse(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** {@code instant} in UTC, with milliseconds, or with every digit it has when finer. */
  static String format(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MILLIS).equals(instant)
        ? MILLIS.format(instant)
        : DateTimeFormatter.ISO_INSTANT.format(instant);
  }
}
