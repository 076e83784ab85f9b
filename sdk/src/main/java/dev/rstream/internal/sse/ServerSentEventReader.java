package dev.rstream.internal.sse;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import okio.Buffer;
import okio.BufferedSource;
import okio.ByteString;
import org.jspecify.annotations.Nullable;

/*
 * Why a hand-written parser rather than OkHttp's okhttp-sse (5.3.2): that module is experimental;
 * its reader keeps a leading BOM (the first field name becomes "\uFEFFdata" and the event is lost),
 * accepts ids that contain NUL, and after a CR waits for the next byte before it dispatches (a live
 * stream that ends an event with CR stalls until more bytes come); its EventSource never
 * reconnects. We need the WHATWG "event stream interpretation" exactly
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation),
 * okio-level efficiency (this is the hot path of every live read; SseParseBenchmark in the
 * benchmarks module compares it with okhttp-sse and okhttp-eventsource), and reconnection under our
 * control: the transport reconnects from the last event id or the Durable Streams offset, so this
 * class only parses and reports.
 */

/**
 * Parses a {@code text/event-stream} body into events, one {@link #processNextEvent()} call at a
 * time, following the WHATWG event stream interpretation exactly.
 *
 * <p>Not thread safe: one thread drives a reader, and the listener runs on that thread. The reader
 * never closes the source; whoever opened it closes it.
 *
 * <p>Live streams: a line ending in CR is handled as soon as the CR arrives (a pending event is
 * dispatched without waiting for a possible LF); that LF is skipped when it comes.
 */
public final class ServerSentEventReader {
  private static final ByteString CR_OR_LF = ByteString.of((byte) '\r', (byte) '\n');
  /*
   * Field names, packed big-endian into a long, so a name is recognised with a few byte reads and
   * one comparison: no String, and none of okio's general-purpose rangeEquals (which profiled at
   * several percent of the parse).
   */
  private static final long DATA = 0x64617461L; // "data"
  private static final long EVENT = 0x6576656e74L; // "event"
  private static final long ID = 0x6964L; // "id"
  private static final long RETRY = 0x7265747279L; // "retry"
  private static final int LONGEST_NAME = 5;

  /** Up to this many new bytes are checked for CR/LF one by one rather than with okio's scan. */
  private static final int SHORT_SCAN = 8;

  private static final String DEFAULT_TYPE = "message";

  /**
   * What a reader accepts before it gives up on a stream: the longest line, the largest event data,
   * and whether data that is not valid UTF-8 fails the read (the WHATWG parser replaces it with
   * U+FFFD). A server that exceeds a bound is broken or hostile, and the reader fails with {@link
   * MalformedEventStreamException} instead of buffering without end.
   */
  public static final class Limits {
    /** 8 MiB lines, 64 MiB events, malformed UTF-8 replaced as the WHATWG parser does. */
    public static final Limits DEFAULT = new Limits(8L << 20, 64L << 20, false);

    final long maxLineBytes;
    final long maxEventBytes;
    final boolean rejectMalformedUtf8;

    /**
     * @param maxLineBytes the longest line, without its terminator, in bytes (at least 1).
     * @param maxEventBytes the largest data of one event (its data lines joined by LF), in bytes
     *     (at least 1, at most about 2 GiB).
     * @param rejectMalformedUtf8 whether event data that is not valid UTF-8 fails the read.
     */
    public Limits(long maxLineBytes, long maxEventBytes, boolean rejectMalformedUtf8) {
      if (maxLineBytes < 1) throw new IllegalArgumentException("maxLineBytes < 1");
      if (maxEventBytes < 1 || maxEventBytes > EventData.MAX_LENGTH) {
        throw new IllegalArgumentException("maxEventBytes out of range: " + maxEventBytes);
      }
      this.maxLineBytes = maxLineBytes;
      this.maxEventBytes = maxEventBytes;
      this.rejectMalformedUtf8 = rejectMalformedUtf8;
    }

    /** The same limits, with {@code reject} deciding whether malformed UTF-8 fails the read. */
    public Limits rejectMalformedUtf8(boolean reject) {
      return new Limits(maxLineBytes, maxEventBytes, reject);
    }

    public long maxLineBytes() {
      return maxLineBytes;
    }

    public long maxEventBytes() {
      return maxEventBytes;
    }
  }

  private final BufferedSource source;
  private final Limits limits;

  /** The source's own buffer: the bytes of a line are parsed in place, after one scan for CR/LF. */
  private final Buffer buffer;

  private final ServerSentEventListener listener;

  private final EventData data;
  private final EventTypes eventTypes = new EventTypes();
  private @Nullable String eventType;

  /** The last event id buffer; null stands for the empty string. */
  private @Nullable String idBuffer;

  /** The last event id string, committed when an event is dispatched; null when empty. */
  private @Nullable String lastEventId;

  private boolean bomChecked;

  /** The previous line ended in CR: an LF that comes next belongs to it. */
  private boolean skipLf;

  private boolean exhausted;

  /** A fresh stream's reader: no last event id, {@linkplain Limits#DEFAULT default limits}. */
  public ServerSentEventReader(BufferedSource source, ServerSentEventListener listener) {
    this(source, listener, null);
  }

  /** A reader with the {@linkplain Limits#DEFAULT default limits}. */
  public ServerSentEventReader(
      BufferedSource source,
      ServerSentEventListener listener,
      @Nullable String initialLastEventId) {
    this(source, listener, initialLastEventId, Limits.DEFAULT);
  }

  /**
   * A reader that starts with {@code initialLastEventId} in effect, as when reconnecting. Events
   * without an {@code id} field report it until the server sends a new id or clears it.
   */
  public ServerSentEventReader(
      BufferedSource source,
      ServerSentEventListener listener,
      @Nullable String initialLastEventId,
      Limits limits) {
    this.limits = requireNonNull(limits, "limits == null");
    this.source = requireNonNull(source, "source == null");
    this.listener = requireNonNull(listener, "listener == null");
    this.buffer = source.getBuffer();
    this.data = new EventData(limits.maxEventBytes, limits.rejectMalformedUtf8);
    // The spec starts each stream's id buffer empty; taken literally, the first event without an
    // id after a reconnect would erase the id the reconnect just resumed from. Chromium's
    // EventSourceParser seeds the buffer with the current id instead, and so do we.
    String initial =
        initialLastEventId == null || initialLastEventId.isEmpty() ? null : initialLastEventId;
    this.idBuffer = initial;
    this.lastEventId = initial;
  }

  /**
   * Parses until one event is dispatched to the listener (returns true) or the source is exhausted
   * (returns false; an incomplete event at the end is discarded, and later calls return false).
   * Comments and retry fields seen on the way are reported before it returns. Blocks while the
   * source waits for input; exceptions from the source or the listener propagate.
   *
   * @throws MalformedEventStreamException if a line or one event's data exceeds its {@link Limits}
   *     bound, or event data is not valid UTF-8 when the limits refuse it; the server is broken,
   *     the stream unusable (the reader must not be called again).
   */
  public boolean processNextEvent() throws IOException {
    if (exhausted) return false;
    if (!bomChecked) {
      skipByteOrderMark();
      bomChecked = true;
    }
    while (true) {
      long end = indexOfLineEnd();
      if (end == -1L) {
        discardIncompleteEvent();
        return false;
      }
      if (skipLf) {
        skipLf = false;
        if (end == 0L && buffer.getByte(0L) == '\n') {
          buffer.skip(1L);
          continue;
        }
      }
      if (end == 0L) {
        skipLf = buffer.readByte() == '\r';
        if (dispatch()) return true;
      } else {
        processField(end);
        skipLf = buffer.readByte() == '\r';
      }
    }
  }

  /**
   * Returns the index of the first CR or LF, reading more only while none is buffered, or -1 when
   * the source ends first. Like {@code source.indexOfElement(CR_OR_LF)}, except that the few bytes
   * a short read adds are checked one by one: okio's scan has a setup cost that dominated when a
   * connection delivers a byte or two per read.
   */
  private long indexOfLineEnd() throws IOException {
    long from = 0L;
    while (true) {
      long size = buffer.size();
      if (size - from > SHORT_SCAN) {
        long index = buffer.indexOfElement(CR_OR_LF, from);
        if (index != -1L) return index;
      } else {
        for (long i = from; i < size; i++) {
          byte b = buffer.getByte(i);
          if (b == '\n' || b == '\r') return i;
        }
      }
      from = size;
      if (size > limits.maxLineBytes) {
        throw new MalformedEventStreamException(
            "SSE line longer than " + limits.maxLineBytes + " bytes");
      }
      if (!source.request(size + 1L)) return -1L;
    }
  }

  /** The last event id in effect: committed when an event (or an empty one) is dispatched. */
  public @Nullable String lastEventId() {
    return lastEventId;
  }

  /**
   * Only a BOM at the very start of the stream is dropped. Byte by byte, so that a stream opening
   * with a line shorter than a BOM is not held back waiting for more input.
   */
  private void skipByteOrderMark() throws IOException {
    if (!source.request(1L) || buffer.getByte(0L) != (byte) 0xEF) return;
    if (!source.request(2L) || buffer.getByte(1L) != (byte) 0xBB) return;
    if (!source.request(3L) || buffer.getByte(2L) != (byte) 0xBF) return;
    buffer.skip(3L);
  }

  /** Consumes the {@code end} bytes of a non-empty line (not its terminator). */
  private void processField(long end) throws IOException {
    long colon = buffer.indexOf((byte) ':', 0L, end);
    if (colon == 0L) {
      buffer.skip(1L);
      listener.onComment(buffer.readUtf8(end - 1L));
      return;
    }
    long nameLength = colon == -1L ? end : colon;
    long valueStart = end;
    if (colon != -1L) {
      valueStart = colon + 1L;
      if (valueStart < end && buffer.getByte(valueStart) == ' ') valueStart++;
    }
    long valueLength = end - valueStart;
    long name = packName(nameLength);

    if (name == DATA && nameLength == 4L) {
      buffer.skip(valueStart);
      data.append(buffer, valueLength);
    } else if (name == EVENT && nameLength == 5L) {
      buffer.skip(valueStart);
      eventType = valueLength == 0L ? null : eventTypes.read(buffer, valueLength);
    } else if (name == ID && nameLength == 2L) {
      buffer.skip(valueStart);
      if (buffer.indexOf((byte) 0, 0L, valueLength) != -1L) {
        buffer.skip(valueLength); // The spec ignores ids containing NUL.
      } else {
        idBuffer = valueLength == 0L ? null : buffer.readUtf8(valueLength);
      }
    } else if (name == RETRY && nameLength == 5L) {
      buffer.skip(valueStart);
      readRetry(valueLength);
    } else {
      buffer.skip(end); // Unknown fields are ignored.
    }
  }

  /** The first bytes of the line as a long, or -1 if the name is longer than any we know. */
  private long packName(long nameLength) {
    if (nameLength > LONGEST_NAME) return -1L;
    long name = 0L;
    for (long i = 0L; i < nameLength; i++) name = (name << 8) | (buffer.getByte(i) & 0xffL);
    return name;
  }

  /**
   * Only ASCII digits (at least one) make a valid retry. A value too large for a long is clamped to
   * {@link Long#MAX_VALUE}: the server asked for "wait very long", which is what that means.
   */
  private void readRetry(long length) throws IOException {
    if (length == 0L) return;
    long millis = 0L;
    boolean valid = true;
    for (long i = 0L; i < length; i++) {
      byte b = buffer.readByte();
      if (b < '0' || b > '9') {
        valid = false;
      } else if (valid) {
        int digit = b - '0';
        millis = millis > (Long.MAX_VALUE - digit) / 10L ? Long.MAX_VALUE : millis * 10L + digit;
      }
    }
    if (valid) listener.onRetry(millis);
  }

  /** Handles an empty line. Returns true if an event went to the listener. */
  private boolean dispatch() throws IOException {
    lastEventId = idBuffer;
    String type = eventType == null ? DEFAULT_TYPE : eventType;
    eventType = null;
    String value = data.take();
    if (value == null) return false;
    listener.onEvent(type, value, lastEventId);
    return true;
  }

  private void discardIncompleteEvent() {
    exhausted = true;
    data.discard();
    eventType = null;
    idBuffer = lastEventId;
  }
}
