package dev.rstream.server.http;

import dev.rstream.server.storage.InvalidPositionException;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.ReadResult;
import dev.rstream.server.storage.StreamMeta;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.jspecify.annotations.Nullable;

/**
 * One SSE read (spec 5.8): {@code event: data} then {@code event: control} for every batch read,
 * a control event when caught up, comment heartbeats while idle, and the end of the response when
 * the stream is closed and fully sent, deleted, or the connection has lived its cycle (spec 10.2).
 *
 * <p>An {@link IteratingCallback}: {@link #process} runs whenever the stream moves, a timer fires
 * or the previous write completed, never twice at once, and returns {@code IDLE} instead of
 * waiting, so an idle session holds no thread, only its registration in {@link LiveReads}.
 */
final class SseSession extends IteratingCallback implements LiveReads.Waiter {
  private static final byte[] HEARTBEAT = ":\n\n".getBytes(StandardCharsets.US_ASCII);

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
  private final AtomicBoolean wakeQueued = new AtomicBoolean();
  private volatile boolean heartbeatDue;
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
    // One queued wake-up is enough however many units land meanwhile: process() reads them all.
    if (wakeQueued.compareAndSet(false, true)) {
      context.executor.execute(
          () -> {
            wakeQueued.set(false);
            iterate();
          });
    }
  }

  @Override
  protected Action process() {
    if (finishing || cycleOver) {
      return Action.SUCCEEDED;
    }
    StreamMeta current = context.store.meta(meta.path());
    if (current == null || current.incarnation() != meta.incarnation()) {
      return Action.SUCCEEDED;
    }
    ReadResult read;
    try {
      read = context.store.read(meta.path(), position, context.settings.maxReadBytes());
    } catch (NoSuchStreamException | InvalidPositionException e) {
      // Deleted (or re-created) between the checks: the reader reconnects and gets the answer.
      return Action.SUCCEEDED;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean moved = !read.messages().isEmpty();
    if (moved) {
      writeData(out, read);
      position = read.nextPosition();
    }
    boolean closedAtTail = read.closed() && read.upToDate();
    if (moved || !sentControl || closedAtTail) {
      writeControl(out, read.upToDate(), closedAtTail);
      sentControl = true;
      heartbeatDue = false;
      finishing = closedAtTail;
      response.write(false, ByteBuffer.wrap(out.toByteArray()), this);
      return Action.SCHEDULED;
    }
    if (heartbeatDue) {
      heartbeatDue = false;
      response.write(false, ByteBuffer.wrap(HEARTBEAT), this);
      return Action.SCHEDULED;
    }
    return Action.IDLE;
  }

  private void writeData(ByteArrayOutputStream out, ReadResult read) {
    byte[] payload = ReadBodies.of(read, json);
    out.writeBytes("event: data\n".getBytes(StandardCharsets.US_ASCII));
    if (base64) {
      line(out, Base64.getEncoder().encodeToString(payload));
    } else {
      // SSE lines end at CR, LF or CRLF: each line of the payload becomes its own data: line,
      // so a payload cannot inject events. No space after "data:": parsers strip exactly one,
      // which would eat a payload's own leading space.
      String text = new String(payload, StandardCharsets.UTF_8);
      int start = 0;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == '\r' || c == '\n') {
          line(out, text.substring(start, i));
          if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
            i++;
          }
          start = i + 1;
        }
      }
      line(out, text.substring(start));
    }
    out.write('\n');
  }

  private void writeControl(ByteArrayOutputStream out, boolean upToDate, boolean closed) {
    StringBuilder control = new StringBuilder("{\"streamNextOffset\":\"");
    control.append(Offset.format(meta.incarnation(), position)).append('"');
    if (!closed) {
      control
          .append(",\"streamCursor\":\"")
          .append(Cursor.next(cursor, context.clock.getAsLong()))
          .append('"');
    }
    if (upToDate || closed) {
      control.append(",\"upToDate\":true");
    }
    if (closed) {
      control.append(",\"streamClosed\":true");
    }
    control.append('}');
    out.writeBytes("event: control\n".getBytes(StandardCharsets.US_ASCII));
    line(out, control.toString());
    out.write('\n');
  }

  private static void line(ByteArrayOutputStream out, String data) {
    out.writeBytes("data:".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(data.getBytes(StandardCharsets.UTF_8));
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
