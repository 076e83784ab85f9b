package dev.rstream.server.state;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * When the server writes a keyframe on a state stream: after {@link #changes} changes or {@link
 * #interval} since the last keyframe, whichever comes first, and only if something changed
 * (docs/PROTOCOL.md 3.2). Immutable; the wire form is the {@code Rstream-Keyframes} request header.
 */
public final class KeyframePolicy {
  private static final String HEADER = "Rstream-Keyframes";

  /** 1000 changes, 60 seconds: the defaults docs/PROTOCOL.md names. */
  public static final KeyframePolicy DEFAULT = new KeyframePolicy(1000, Duration.ofSeconds(60));

  /** The shortest interval a header may ask for: keyframes more often only multiply storage. */
  static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

  /** The longest interval a header may ask for (a week). */
  static final Duration MAX_INTERVAL = Duration.ofDays(7);

  private final int changes;
  private final Duration interval;

  /**
   * A policy; the interval is kept to the millisecond.
   *
   * @param changes changes after which a keyframe is due, at least 1
   * @param interval time after which a keyframe is due if anything changed, at least 1 ms
   */
  public KeyframePolicy(int changes, Duration interval) {
    Objects.requireNonNull(interval, "interval == null");
    if (changes < 1) throw new IllegalArgumentException("changes < 1: " + changes);
    if (interval.toMillis() < 1) throw new IllegalArgumentException("interval < 1ms: " + interval);
    this.changes = changes;
    this.interval = interval.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
  }

  /** Changes since the last keyframe that make the next one due. */
  public int changes() {
    return changes;
  }

  /** Time since the last keyframe after which the next one is due, if anything changed. */
  public Duration interval() {
    return interval;
  }

  /**
   * Parses an {@code Rstream-Keyframes} value: comma-separated {@code changes=N} and {@code
   * interval=T}, each at most once, in any order, either missing (taken from {@code defaults}). T
   * is a whole number with unit {@code ms}, {@code s}, {@code m} or {@code h}; no unit means
   * seconds; from 1 s to 168 h. Names and units are case-insensitive; whitespace around parts is
   * ignored.
   *
   * @throws IllegalArgumentException naming the offending part, for the 400 body
   */
  public static KeyframePolicy parse(String headerValue, KeyframePolicy defaults) {
    Objects.requireNonNull(headerValue, "headerValue == null");
    Objects.requireNonNull(defaults, "defaults == null");
    int[] changes = {defaults.changes};
    Duration[] interval = {defaults.interval};
    if (!headerValue.isBlank()) {
      HeaderParameters.parse(
          HEADER,
          headerValue,
          Map.of(
              "changes", v -> changes[0] = parseChanges(headerValue, v),
              "interval", v -> interval[0] = parseInterval(headerValue, v)));
    }
    return new KeyframePolicy(changes[0], interval[0]);
  }

  private static int parseChanges(String header, String value) {
    if (!value.matches("[0-9]{1,10}")) throw bad(header, "changes must be a positive integer");
    long n = Long.parseLong(value);
    if (n < 1 || n > Integer.MAX_VALUE)
      throw bad(header, "changes out of range 1.." + Integer.MAX_VALUE);
    return (int) n;
  }

  private static Duration parseInterval(String header, String value) {
    Duration d = HeaderDuration.parse(HEADER, header, "interval", value, "ms", "s", "m", "h");
    if (d.compareTo(MIN_INTERVAL) < 0 || d.compareTo(MAX_INTERVAL) > 0) {
      throw bad(header, "interval must be from 1s to 168h");
    }
    return d;
  }

  private static IllegalArgumentException bad(String header, String why) {
    return HeaderDuration.invalid(HEADER, header, why);
  }

  /**
   * The canonical header form, {@code changes=N, interval=Ts} ({@code ms} when the interval is not
   * whole seconds): two equal policies have the same string, which the 409 check relies on.
   */
  @Override
  public String toString() {
    long ms = interval.toMillis();
    String t = ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
    return "changes=" + changes + ", interval=" + t;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyframePolicy
        && ((KeyframePolicy) o).changes == changes
        && ((KeyframePolicy) o).interval.equals(interval);
  }

  @Override
  public int hashCode() {
    return changes * 31 + interval.hashCode();
  }
}
