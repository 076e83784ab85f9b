package dev.rstream.internal.sse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import okio.Buffer;

/**
 * The {@code event} field's values a {@link ServerSentEventReader} has read lately: event types
 * repeat (a handful per stream), so their strings are reused instead of decoding each. Not
 * thread-safe, as its reader.
 */
final class EventTypes {
  private static final int SIZE = 4;
  private static final int MAX_CACHED_LENGTH = 64;

  private final byte[][] bytes = new byte[SIZE][];
  private final String[] strings = new String[SIZE];
  private int nextSlot;

  /** Reads the first {@code length} bytes of {@code buffer} as an event type. */
  String read(Buffer buffer, long length) throws IOException {
    if (length > MAX_CACHED_LENGTH) return buffer.readUtf8(length);
    for (int i = 0; i < SIZE; i++) {
      byte[] cached = bytes[i];
      if (cached == null) break;
      if (cached.length == length && headEquals(buffer, cached)) {
        buffer.skip(length);
        return strings[i];
      }
    }
    byte[] read = buffer.readByteArray(length);
    String type = new String(read, StandardCharsets.UTF_8);
    int slot = nextSlot;
    bytes[slot] = read;
    strings[slot] = type;
    nextSlot = (slot + 1) % SIZE;
    return type;
  }

  private static boolean headEquals(Buffer buffer, byte[] expected) {
    for (int i = 0; i < expected.length; i++) {
      if (buffer.getByte(i) != expected[i]) return false;
    }
    return true;
  }
}
