package dev.rstream.server.http;

/**
 * An offset as this server mints it: {@code IIIIIIIIIIIIIIII_PPPPPPPPPPPPPPPP}, the stream's
 * incarnation and the {@code LogStore} position, each as 16 lower-case hex digits.
 *
 * <p>Why this shape: fixed width makes lexicographic order equal numeric order (spec 8) and gives
 * every offset the same length, so {@code headers.offset} can be written into a JSON message before
 * its unit's end position is known (the message's length does not depend on the value). The
 * incarnation prefix makes an offset from a deleted and re-created stream recognisable (410 Gone)
 * instead of silently pointing into unrelated data. Only {@code [0-9a-f_]}: URL-safe, never one of
 * the reserved characters or the sentinels {@code -1} and {@code now}.
 */
record Offset(long incarnation, long position) {

  /** Length of every offset string. */
  static final int LENGTH = 33;

  static String format(long incarnation, long position) {
    StringBuilder out = new StringBuilder(LENGTH);
    appendHex(out, incarnation);
    out.append('_');
    appendHex(out, position);
    return out.toString();
  }

  @Override
  public String toString() {
    return format(incarnation, position);
  }

  /** Parses an offset this server minted, or returns null when {@code text} is not one. */
  static @org.jspecify.annotations.Nullable Offset parse(String text) {
    if (text.length() != LENGTH || text.charAt(16) != '_') {
      return null;
    }
    for (int i = 0; i < LENGTH; i++) {
      char c = text.charAt(i);
      if (i != 16 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return null;
      }
    }
    long incarnation = Long.parseUnsignedLong(text, 0, 16, 16);
    long position = Long.parseUnsignedLong(text, 17, LENGTH, 16);
    if (position < 0) {
      return null;
    }
    return new Offset(incarnation, position);
  }

  private static void appendHex(StringBuilder out, long value) {
    String hex = Long.toHexString(value);
    for (int i = hex.length(); i < 16; i++) {
      out.append('0');
    }
    out.append(hex);
  }
}
