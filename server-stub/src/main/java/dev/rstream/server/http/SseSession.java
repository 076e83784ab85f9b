package dev.rstream.server.http;

import dev.rstream.server.storage.InvalidPositionException;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.ReadResult;
import dev.rstream.server.storage.StreamMeta;
import dev.rstream.server.write.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.jspecify.annotations.Nullable;

/**
 * One SSE read (spec 5.8): {@code event: data} then {@code event: control} for every batch read, a
 * control event when caught up, comment heartbeats while idle, and the end of the response when the
 * stream is closed and fully sent, deleted, or the connection has lived its cycle (spec 10.2).
 *
 * <p>An {@link IteratingCallback}: {@link #process} runs whenever the stream moves, a timer fires
 * or the previous write completed, never twice at once, and returns {@code IDLE} instead of
 * waiting, so an idle session holds no thread, only its registration in {@link LiveReads}.
 */
final class SseSession extends IteratingCallback implements LiveReads.Waiter {
  private static final byte[] HEARTBEAT = ":\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT_DATA = "event: data\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

  private final ReadContext context;
  private final Response response;
  private final Callback callback;
  private final StreamMeta meta;
  private final @Nullable String cursor;
  private final boolean json;
  private final boolean base64;
  private long position;
  private boolean sentControl;
  private boolean finishing;
  private final QueuedWake wake;
  private volatile boolean heartbeatDue;

  /**
   * The highest tail this session has seen, from a wake-up or its own read of the store: a shared
   * read that ends below it is stale. Raised atomically: a lower value must never overwrite a
   * higher one, or the session would take itself for caught up and wait for a wake-up that already
   * came.
   */
  private final AtomicLong knownTail = new AtomicLong();

  /**
   * Whether this session has read the store itself since it registered for wake-ups. Until then it
   * knows no tail (appends before it registered woke nobody), so it trusts no shared read.
   */
  private boolean readOwnTail;

  /** A wake-up said the stream was deleted: end without asking the store. */
  private volatile boolean deletedSeen;

  /** A wake-up said the stream was closed: read the store to send the final control event. */
  private volatile boolean closedSeen;

  private volatile boolean cycleOver;
  private @Nullable ScheduledFuture<?> heartbeat;
  private @Nullable ScheduledFuture<?> cycle;

  SseSession(
      ReadContext context,
      Response response,
      Callback callback,
      StreamMeta meta,
      long position,
      @Nullable String cursor) {
    this.context = context;
    this.response = response;
    this.callback = callback;
    this.meta = meta;
    this.position = position;
    this.cursor = cursor;
    this.json = MediaTypes.isJson(meta.contentType());
    this.base64 = !MediaTypes.isTextual(meta.contentType());
    this.wake = new QueuedWake(context.executor, this::iterate);
  }

  void start(Request request) {
    long beat = context.settings.sseHeartbeatMillis();
    heartbeat =
        context.timer.scheduleAtFixedRate(
            () -> {
              heartbeatDue = true;
              context.executor.execute(this::iterate);
            },
            beat,
            beat,
            TimeUnit.MILLISECONDS);
    cycle =
        context.timer.schedule(
            () -> {
              cycleOver = true;
              context.executor.execute(this::iterate);
            },
            context.settings.sseCycleMillis(),
            TimeUnit.MILLISECONDS);
    request.addFailureListener(this::abort);
    context.live.add(meta.path(), this);
    iterate();
  }

  @Override
  public void onTail(long tailPosition, boolean closed, boolean deleted) {
    raiseKnownTail(tailPosition);
    deletedSeen |= deleted;
    closedSeen |= closed;
    // One queued wake-up is enough however many units land meanwhile: process() reads them all.
    wake.wake();
  }

  @Override
  public void wake(long tailPosition, boolean closed, boolean deleted) {
    raiseKnownTail(tailPosition);
    deletedSeen |= deleted;
    closedSeen |= closed;
    // Already on a pool thread that wakes a share of a crowd (LiveReads): no hand-off. If this
    // session is processing elsewhere right now, iterate() makes it go round once more.
    iterate();
  }

  @Override
  protected Action process() {
    if (finishing || cycleOver || deletedSeen) {
      return Action.SUCCEEDED;
    }
    if (sentControl && position >= knownTail.get() && !closedSeen) {
      // Nothing beyond what was sent (every append raises knownTail before it wakes this
      // session): no need to take the stream's lock just to find that out, as each session of a
      // crowd otherwise does once more after each of its writes.
      return heartbeat();
    }
    // Only a shared read that reaches the tail this session was told of: a session that fell
    // behind then writes one event for several appends and catches up, instead of one per
    // append, and the sessions behind with it share that read. Never before the session's first
    // own read: until then it knows no tail, and a read shared before it registered may end
    // before appends whose wake-ups it missed.
    LiveReads.SharedRead read =
        readOwnTail
            ? context.live.lastRead(meta.path(), meta.incarnation(), position, knownTail.get())
            : null;
    if (read == null) {
      // The store is asked only here: a crowd's sessions that share a read do not all take the
      // stream's lock, which the appender needs too (a deletion reaches them as a wake-up).
      StreamMeta current = context.store.meta(meta.path());
      if (current == null || current.incarnation() != meta.incarnation()) {
        return Action.SUCCEEDED;
      }
      ReadResult result;
      try {
        result = context.store.read(meta.path(), position, context.settings.maxReadBytes());
      } catch (NoSuchStreamException | InvalidPositionException e) {
        // Deleted (or re-created) between the checks: the reader reconnects and gets the answer.
        return Action.SUCCEEDED;
      }
      raiseKnownTail(result.tailPosition());
      readOwnTail = true;
      byte[] data = result.messages().isEmpty() ? null : dataEvent(ReadBodies.of(result, json));
      read =
          new LiveReads.SharedRead(
              meta.incarnation(),
              position,
              result.nextPosition(),
              result.upToDate(),
              result.closed(),
              data);
      if (data != null) {
        context.live.shareRead(meta.path(), read);
      }
    }
    byte[] data = read.dataEvent;
    boolean moved = data != null;
    if (moved) {
      position = read.next;
    }
    boolean closedAtTail = read.closed && read.upToDate;
    if (moved || !sentControl || closedAtTail) {
      String nextCursor = Cursor.next(cursor, context.clock.getAsLong());
      byte[] bytes;
      LiveReads.Whole whole = read.whole;
      if (moved && whole != null && whole.cursor().equals(nextCursor)) {
        // What every other session at this position without a cursor of its own writes.
        bytes = whole.bytes();
      } else {
        byte[] control = controlEvent(nextCursor, read.upToDate, closedAtTail);
        bytes = control;
        if (data != null) { // moved
          bytes = Arrays.copyOf(data, data.length + control.length);
          System.arraycopy(control, 0, bytes, data.length, control.length);
          if (cursor == null) {
            read.whole = new LiveReads.Whole(nextCursor, bytes);
          }
        }
      }
      sentControl = true;
      heartbeatDue = false;
      finishing = closedAtTail;
      // Shared bytes are never written to: each write gets its own buffer view.
      response.write(false, ByteBuffer.wrap(bytes), this);
      return Action.SCHEDULED;
    }
    return heartbeat();
  }

  private Action heartbeat() {
    if (heartbeatDue) {
      heartbeatDue = false;
      response.write(false, ByteBuffer.wrap(HEARTBEAT), this);
      return Action.SCHEDULED;
    }
    return Action.IDLE;
  }

  private void raiseKnownTail(long tailPosition) {
    knownTail.accumulateAndGet(tailPosition, Math::max);
  }

  /** {@code event: data} with the payload's lines as {@code data:} lines. */
  private byte[] dataEvent(byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 32);
    out.writeBytes(EVENT_DATA);
    if (base64) {
      line(out, Base64.getEncoder().encode(payload), 0, -1);
    } else {
      // SSE lines end at CR, LF or CRLF: each line of the payload becomes its own data: line,
      // so a payload cannot inject events. CR and LF never occur inside a multi-byte UTF-8
      // sequence, so the bytes split as the text would. No space after "data:": parsers strip
      // exactly one, which would eat a payload's own leading space.
      int start = 0;
      for (int i = 0; i < payload.length; i++) {
        byte b = payload[i];
        if (b == '\r' || b == '\n') {
          line(out, payload, start, i);
          if (b == '\r' && i + 1 < payload.length && payload[i + 1] == '\n') {
            i++;
          }
          start = i + 1;
        }
      }
      line(out, payload, start, payload.length);
    }
    out.write('\n');
    return out.toByteArray();
  }

  private byte[] controlEvent(String nextCursor, boolean upToDate, boolean closed) {
    StringBuilder control =
        new StringBuilder(160).append("event: control\ndata:{\"streamNextOffset\":\"");
    control.append(Offset.format(meta.incarnation(), position)).append('"');
    if (!closed) {
      control.append(",\"streamCursor\":\"").append(nextCursor).append('"');
    }
    if (upToDate || closed) {
      control.append(",\"upToDate\":true");
    }
    if (closed) {
      control.append(",\"streamClosed\":true");
    }
    // The control line is JSON this class wrote: ASCII, no line break.
    return control.append("}\n\n").toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** A {@code data:} line of {@code bytes[from, to)}; {@code to} -1 means the whole array. */
  private static void line(ByteArrayOutputStream out, byte[] bytes, int from, int to) {
    out.writeBytes(DATA);
    out.write(bytes, from, (to < 0 ? bytes.length : to) - from);
    out.write('\n');
  }

  @Override
  protected void onCompleteSuccess() {
    stop();
    response.write(true, null, callback);
  }

  @Override
  protected void onCompleteFailure(Throwable cause) {
    stop();
    callback.failed(cause);
  }

  private void stop() {
    context.live.remove(meta.path(), this);
    if (heartbeat != null) {
      heartbeat.cancel(false);
    }
    if (cycle != null) {
      cycle.cancel(false);
    }
  }
}
