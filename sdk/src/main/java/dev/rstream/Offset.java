package dev.rstream;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * A position in a Durable Stream: an opaque token that the server hands out in {@code
 * Stream-Next-Offset}. Offsets of one stream compare lexicographically; {@link #START} sorts before
 * every offset and {@link #NOW} after every offset (it means "the tail, whatever it is when the
 * server sees the request").
 *
 * <p>Immutable and thread-safe. Only resume from offsets a server gave you (or the two sentinels):
 * never build one.
 */
public final class Offset implements Comparable<Offset> {
  /** The beginning of the stream ({@code -1}): reading from it returns everything. */
  public static final Offset START = new Offset("-1");

  /** The tail of the stream ({@code now}): reading from it returns only what comes next. */
  public static final Offset NOW = new Offset("now");

  private final String value;

  private Offset(String value) {
    this.value = value;
  }

  /**
   * Returns the offset for {@code value}, which a server sent or which is one of the sentinels
   * {@code -1} and {@code now}.
   *
   * @throws IllegalArgumentException if {@code value} is empty, has whitespace or control
   *     characters, or contains one of {@code , & = ? /} (the protocol forbids them in offsets).
   */
  public static Offset of(String value) {
    requireNonNull(value, "value == null");
    if (value.equals("-1")) return START;
    if (value.equals("now")) return NOW;
    if (value.isEmpty()) throw new IllegalArgumentException("offset is empty");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= ' ' || c == 0x7f || c == ',' || c == '&' || c == '=' || c == '?' || c == '/') {
        throw new IllegalArgumentException(
            "invalid character " + describe(c) + " in offset \"" + value + "\"");
      }
    }
    return new Offset(value);
  }

  private static String describe(char c) {
    return c > ' ' && c != 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
  }

  /** The token as it goes on the wire. */
  public String value() {
    return value;
  }

  /** True for {@link #START}. */
  public boolean isStart() {
    return this == START;
  }

  /** True for {@link #NOW}. */
  public boolean isNow() {
    return this == NOW;
  }

  /**
   * Orders offsets in stream order: {@link #START} first, {@link #NOW} last, and server offsets
   * lexicographically by UTF-16 code unit (the same as byte order for the ASCII tokens servers
   * send).
   */
  @Override
  public int compareTo(Offset other) {
    if (this == other) return 0;
    if (this == START || other == NOW) return -1;
    if (this == NOW || other == START) return 1;
    return value.compareTo(other.value);
  }

  /** Returns the larger of this and {@code other} in stream order. */
  public Offset max(Offset other) {
    return compareTo(other) >= 0 ? this : other;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Offset && ((Offset) o).value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  /** The token itself. */
  @Override
  public String toString() {
    return value;
  }
}
