package dev.rstream.internal.sse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import okio.Buffer;
import org.jspecify.annotations.Nullable;

/**
 * The data of the event a {@link ServerSentEventReader} is parsing: its {@code data} lines joined
 * by LF, kept as UTF-8 bytes within the limits' largest event and decoded once per event rather
 * than once per line. A plain array, reused across events: decoding it is a single String
 * allocation, where an okio Buffer spanning segments would first be copied into a fresh array. Not
 * thread-safe, as its reader.
 */
final class EventData {
  /** Java strings and arrays stop a little short of 2^31. */
  static final int MAX_LENGTH = Integer.MAX_VALUE - 16;

  private static final int INITIAL_CAPACITY = 1024;

  /** After a bigger event the array is dropped, so one huge event does not pin its memory. */
  private static final int MAX_RETAINED_CAPACITY = 256 * 1024;

  private final long maxBytes;
  private final boolean rejectMalformedUtf8;
  private byte[] data = new byte[INITIAL_CAPACITY];
  private int length;
  private boolean present;

  EventData(long maxBytes, boolean rejectMalformedUtf8) {
    this.maxBytes = maxBytes;
    this.rejectMalformedUtf8 = rejectMalformedUtf8;
  }

  /**
   * Moves a data line's value, the first {@code valueLength} bytes of {@code buffer}, into the
   * event's data, after an LF if it holds a line already.
   *
   * @throws MalformedEventStreamException if the event's data would exceed the largest allowed.
   */
  void append(Buffer buffer, long valueLength) throws IOException {
    long newLength = length + valueLength + (present ? 1L : 0L);
    if (newLength > maxBytes) {
      throw new MalformedEventStreamException("SSE event data longer than " + maxBytes + " bytes");
    }
    if (newLength > data.length) {
      long capacity = Math.min(MAX_LENGTH, Math.max(newLength, 2L * data.length));
      byte[] bigger = new byte[(int) capacity];
      System.arraycopy(data, 0, bigger, 0, length);
      data = bigger;
    }
    if (present) data[length++] = '\n';
    int remaining = (int) valueLength;
    while (remaining > 0) {
      int read = buffer.read(data, length, remaining);
      length += read;
      remaining -= read;
    }
    present = true;
  }

  /**
   * The event's data as a string, which empties it; null if no data line came since the last call
   * (the event is not dispatched).
   *
   * @throws MalformedEventStreamException if the data is not valid UTF-8 and the limits refuse it.
   */
  @Nullable String take() throws MalformedEventStreamException {
    if (!present) return null;
    present = false;
    // The JDK's decoder replaces malformed input with U+FFFD, as the spec's UTF-8 decode does.
    String value = new String(data, 0, length, StandardCharsets.UTF_8);
    // A U+FFFD is rare in real data: only then are the bytes checked strictly.
    if (rejectMalformedUtf8 && value.indexOf('\uFFFD') >= 0 && !isUtf8(data, length)) {
      throw new MalformedEventStreamException("SSE event data is not valid UTF-8");
    }
    clear();
    return value;
  }

  /** Drops the data of an event that will not be dispatched. */
  void discard() {
    clear();
    present = false;
  }

  private void clear() {
    length = 0;
    if (data.length > MAX_RETAINED_CAPACITY) data = new byte[INITIAL_CAPACITY];
  }

  private static boolean isUtf8(byte[] bytes, int length) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, 0, length));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
