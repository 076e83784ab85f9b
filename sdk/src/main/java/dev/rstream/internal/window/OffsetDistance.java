package dev.rstream.internal.window;

import dev.rstream.Offset;

/**
 * Bytes between two offsets, where the server's offsets say: server-stub's offsets are {@code
 * IIIIIIIIIIIIIIII_PPPPPPPPPPPPPPPP}, the stream's incarnation and the byte position in its log,
 * each 16 hex digits; {@code -1} is position 0. Offsets are opaque to the protocol
 * (docs/PROTOCOL.md section 1), so any other shape, or two incarnations, tells nothing.
 */
public final class OffsetDistance {
  private static final int LENGTH = 33;
  private static final int SEPARATOR = 16;

  private OffsetDistance() {}

  /** The bytes from {@code from} to {@code to}, or -1 if their shapes do not tell. */
  public static long between(Offset from, Offset to) {
    long start = position(from);
    long end = position(to);
    if (start < 0 || end < 0 || end < start) return -1;
    if (!from.equals(Offset.START) && !incarnation(from).equals(incarnation(to))) return -1;
    return end - start;
  }

  /** The byte position {@code offset} names, or -1 if it is not of server-stub's shape. */
  static long position(Offset offset) {
    if (offset.equals(Offset.START)) return 0;
    String text = offset.value();
    if (text.length() != LENGTH || text.charAt(SEPARATOR) != '_') return -1;
    for (int i = 0; i < LENGTH; i++) {
      char c = text.charAt(i);
      if (i != SEPARATOR && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return -1;
    }
    long position = Long.parseUnsignedLong(text.substring(SEPARATOR + 1), 16);
    return position < 0 ? -1 : position;
  }

  private static String incarnation(Offset offset) {
    return offset.value().substring(0, SEPARATOR);
  }
}
