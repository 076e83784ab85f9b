package dev.rstream.internal.sse;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import okio.Buffer;
import okio.BufferedSource;
import okio.ByteString;
import org.jspecify.annotations.Nullable;

/*
 * Why a hand-written parser rather than OkHttp's okhttp-sse: that module is experimental, skips a
 * leading BOM only partly and does not ignore ids that contain NUL, and its EventSource never
 * reconnects. We need the WHATWG "event stream interpretation" exactly
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation),
 * okio-level efficiency (the hot path of every live read), and reconnection under our control: the
 * transport reconnects from the last event id or the Durable Streams offset, so this class only
 * parses and reports.
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
  private static final ByteString DATA = ByteString.encodeUtf8("data");
  private static final ByteString EVENT = ByteString.encodeUtf8("event");
  private static final ByteString ID = ByteString.encodeUtf8("id");
  private static final ByteString RETRY = ByteString.encodeUtf8("retry");
  private static final String DEFAULT_TYPE = "message";
  /** Event types repeat (a handful per stream): reuse their strings instead of decoding each. */
  private static final int TYPE_CACHE_SIZE = 4;
  private static final int MAX_CACHED_TYPE_LENGTH = 64;

  private final BufferedSource source;
  /** The source's own buffer: the bytes of a line are parsed in place, after one scan for CR/LF. */
  private final Buffer buffer;
  private final ServerSentEventListener listener;

  /** The data buffer, as bytes: decoded once per event, not once per line. */
  private final Buffer data = new Buffer();
  private boolean hasData;
  private @Nullable String eventType;
  /** The last event id buffer; null stands for the empty string. */
  private @Nullable String idBuffer;
  /** The last event id string, committed when an event is dispatched; null when empty. */
  private @Nullable String lastEventId;

  private final ByteString[] typeBytes = new ByteString[TYPE_CACHE_SIZE];
  private final String[] typeStrings = new String[TYPE_CACHE_SIZE];
  private int nextTypeSlot;

  private boolean bomChecked;
  /** The previous line ended in CR: an LF that comes next belongs to it. */
  private boolean skipLf;
  private boolean exhausted;

  /** A reader for a fresh stream with no last event id. */
  public ServerSentEventReader(BufferedSource source, ServerSentEventListener listener) {
    this(source, listener, null);
  }

  /**
   * A reader that starts with {@code initialLastEventId} in effect, as when reconnecting. Events
   * without an {@code id} field report it until the server sends a new id or clears it.
   */
  public ServerSentEventReader(
      BufferedSource source,
      ServerSentEventListener listener,
      @Nullable String initialLastEventId) {
    this.source = requireNonNull(source, "source == null");
    this.listener = requireNonNull(listener, "listener == null");
    this.buffer = source.getBuffer();
    // The spec starts each stream's id buffer empty, but then an event without an id after a
    // reconnect would erase the id the browser just sent in Last-Event-ID. Browsers (Chromium's
    // EventSourceParser) seed the buffer with the current id instead, and so do we.
    String initial = initialLastEventId == null || initialLastEventId.isEmpty()
        ? null
        : initialLastEventId;
    this.idBuffer = initial;
    this.lastEventId = initial;
  }

  /**
   * Parses until one event is dispatched to the listener (returns true) or the source is exhausted
   * (returns false; an incomplete event at the end is discarded, and later calls return false).
   * Comments and retry fields seen on the way are reported before it returns. Blocks while the
   * source waits for input; exceptions from the source or the listener propagate.
   */
  public boolean processNextEvent() throws IOException {
    if (exhausted) return false;
    if (!bomChecked) {
      skipByteOrderMark();
      bomChecked = true;
    }
    while (true) {
      long end = source.indexOfElement(CR_OR_LF);
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

    if (nameLength == 4L && buffer.rangeEquals(0L, DATA)) {
      buffer.skip(valueStart);
      if (hasData) data.writeByte('\n');
      data.write(buffer, valueLength);
      hasData = true;
    } else if (nameLength == 5L && buffer.rangeEquals(0L, EVENT)) {
      buffer.skip(valueStart);
      eventType = valueLength == 0L ? null : readEventType(valueLength);
    } else if (nameLength == 2L && buffer.rangeEquals(0L, ID)) {
      buffer.skip(valueStart);
      if (buffer.indexOf((byte) 0, 0L, valueLength) != -1L) {
        buffer.skip(valueLength); // The spec ignores ids containing NUL.
      } else {
        idBuffer = valueLength == 0L ? null : buffer.readUtf8(valueLength);
      }
    } else if (nameLength == 5L && buffer.rangeEquals(0L, RETRY)) {
      buffer.skip(valueStart);
      readRetry(valueLength);
    } else {
      buffer.skip(end); // Unknown fields are ignored.
    }
  }

  private String readEventType(long length) throws IOException {
    if (length > MAX_CACHED_TYPE_LENGTH) return buffer.readUtf8(length);
    for (int i = 0; i < TYPE_CACHE_SIZE; i++) {
      ByteString cached = typeBytes[i];
      if (cached == null) break;
      if (cached.size() == length && buffer.rangeEquals(0L, cached)) {
        buffer.skip(length);
        return typeStrings[i];
      }
    }
    ByteString bytes = buffer.readByteString(length);
    String type = bytes.utf8();
    int slot = nextTypeSlot;
    typeBytes[slot] = bytes;
    typeStrings[slot] = type;
    nextTypeSlot = (slot + 1) % TYPE_CACHE_SIZE;
    return type;
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
    if (!hasData) return false;
    hasData = false;
    listener.onEvent(type, data.readUtf8(), lastEventId);
    return true;
  }

  private void discardIncompleteEvent() {
    exhausted = true;
    data.clear();
    hasData = false;
    eventType = null;
    idBuffer = lastEventId;
  }
}
