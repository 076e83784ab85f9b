package dev.rstream.server.state;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How much history a state stream keeps: the last {@link #windows} windows, or the windows that
 * hold the last {@link #age} of history, or both (then a window is dropped as soon as either part
 * drops it). The live window is never dropped, and windows go whole, oldest first. Immutable; the
 * wire form is the {@code Rstream-Retention} request header, shaped like {@code Rstream-Keyframes}
 * and, for its time part, like the protocol's {@code Stream-TTL}: a time measured on the server's
 * clock.
 */
public final class RetentionPolicy {
  /** The header a create request names a stream's retention in. */
  public static final String HEADER = "Rstream-Retention";

  private final int windows;
  private final @Nullable Duration age;

  private RetentionPolicy(int windows, @Nullable Duration age) {
    this.windows = windows;
    this.age = age;
  }

  /** Windows kept, the live one included; 0 when only {@link #age} limits them. */
  public int windows() {
    return windows;
  }

  /**
   * History kept, measured back from the server's clock: a window is dropped once the next one
   * starts at least this long ago (so the state at every time within it can still be built). Null
   * when only {@link #windows} limits them.
   */
  public @Nullable Duration age() {
    return age;
  }

  /**
   * Parses {@code windows=N, age=T}: comma-separated, each part at most once and in any order, at
   * least one of them. N is a whole number from 1; T a whole number with unit {@code ms}, {@code
   * s}, {@code m}, {@code h} or {@code d} (no unit: seconds), at least 1 s.
   *
   * @throws IllegalArgumentException naming the offending part, for the 400 body
   */
  public static RetentionPolicy parse(String headerValue) {
    Objects.requireNonNull(headerValue, "headerValue == null");
    int[] windows = {0};
    Duration[] age = {null};
    HeaderParameters.parse(
        HEADER,
        headerValue,
        Map.of(
            "windows", v -> windows[0] = parseWindows(headerValue, v),
            "age", v -> age[0] = parseAge(headerValue, v)));
    return new RetentionPolicy(windows[0], age[0]);
  }

  private static int parseWindows(String header, String value) {
    if (!value.matches("[0-9]{1,9}") || Integer.parseInt(value) < 1) {
      throw bad(header, "windows must be a whole number from 1");
    }
    return Integer.parseInt(value);
  }

  private static Duration parseAge(String header, String value) {
    Duration d = HeaderDuration.parse(HEADER, header, "age", value, "ms", "s", "m", "h", "d");
    if (d.compareTo(Duration.ofSeconds(1)) < 0) throw bad(header, "age must be at least 1s");
    return d;
  }

  private static IllegalArgumentException bad(String header, String why) {
    return HeaderDuration.invalid(HEADER, header, why);
  }

  /** The canonical form, {@code windows=N, age=Ts}: equal policies have equal strings (409). */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    if (windows > 0) out.append("windows=").append(windows);
    Duration a = age;
    if (a != null) {
      if (out.length() > 0) out.append(", ");
      long ms = a.toMillis();
      out.append("age=").append(ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms");
    }
    return out.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RetentionPolicy && o.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }
}
