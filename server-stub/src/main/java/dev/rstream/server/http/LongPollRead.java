package dev.rstream.server.http;

import dev.rstream.server.storage.InvalidPositionException;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.PositionGoneException;
import dev.rstream.server.storage.ReadResult;
import dev.rstream.server.storage.StreamMeta;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * One long-poll read (spec 5.7) waiting at the tail: answers 200 with the first data that arrives,
 * 204 when the stream closes or the timeout passes, 404 when it is deleted. Holds no thread while
 * it waits; exactly one of those answers is written.
 */
final class LongPollRead implements LiveReads.Waiter {
  private final ReadContext context;
  private final Request request;
  private final Response response;
  private final Callback callback;
  private final StreamMeta meta;
  private final long position;
  private final @Nullable String cursor;
  private final AtomicBoolean done = new AtomicBoolean();
  private final QueuedWake wake;
  private @Nullable ScheduledFuture<?> timeout;

  LongPollRead(
      ReadContext context,
      Request request,
      Response response,
      Callback callback,
      StreamMeta meta,
      long position,
      @Nullable String cursor) {
    this.context = context;
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.meta = meta;
    this.position = position;
    this.cursor = cursor;
    this.wake = new QueuedWake(context.executor, this::attempt);
  }

  void start() {
    synchronized (this) {
      timeout =
          context.timer.schedule(
              () -> context.executor.execute(this::timedOut),
              context.settings.longPollTimeoutMillis(),
              TimeUnit.MILLISECONDS);
    }
    request.addFailureListener(this::aborted);
    context.live.add(meta.path(), this);
    attempt();
  }

  @Override
  public void onTail(long tailPosition, boolean closed, boolean deleted) {
    if (!done.get()) wake.wake();
  }

  private String offsetText() {
    return Offset.format(meta.incarnation(), position);
  }

  private void attempt() {
    if (done.get()) {
      return;
    }
    StreamMeta current = context.store.meta(meta.path());
    if (current == null || current.incarnation() != meta.incarnation()) {
      if (claim()) {
        ErrorResponses.write(request, response, callback, HttpError.notFound(meta.path()));
      }
      return;
    }
    ReadResult read;
    try {
      read = context.store.read(meta.path(), position, context.settings.maxReadBytes());
    } catch (NoSuchStreamException e) {
      if (claim()) {
        ErrorResponses.write(request, response, callback, HttpError.notFound(meta.path()));
      }
      return;
    } catch (PositionGoneException e) {
      if (claim()) {
        ErrorResponses.write(
            request, response, callback, ReadHandler.gone(meta.path(), offsetText(), current));
      }
      return;
    } catch (InvalidPositionException e) {
      if (claim()) {
        ErrorResponses.write(
            request,
            response,
            callback,
            HttpError.badRequest("invalid_offset", e.getMessage() + " on stream " + meta.path()));
      }
      return;
    }
    if (!read.messages().isEmpty()) {
      if (claim()) {
        ReadResponses.writeData(
            context,
            request,
            response,
            callback,
            meta,
            position,
            read,
            Cursor.next(cursor, now()),
            false);
      }
    } else if (read.closed()) {
      if (claim()) {
        ReadResponses.writeNoContent(context, response, callback, meta, position, true, null);
      }
    }
  }

  private void timedOut() {
    if (claim()) {
      StreamMeta current = context.store.meta(meta.path());
      boolean closed = current != null && current.closed();
      ReadResponses.writeNoContent(
          context, response, callback, meta, position, closed, Cursor.next(cursor, now()));
    }
  }

  private void aborted(Throwable failure) {
    if (claim()) {
      callback.failed(failure);
    }
  }

  private boolean claim() {
    if (!done.compareAndSet(false, true)) {
      return false;
    }
    context.live.remove(meta.path(), this);
    synchronized (this) {
      if (timeout != null) {
        timeout.cancel(false);
      }
    }
    return true;
  }

  private long now() {
    return context.clock.getAsLong();
  }
}
