package dev.rstream.server.http;

import dev.rstream.server.storage.InvalidPositionException;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.PositionGoneException;
import dev.rstream.server.storage.ReadResult;
import dev.rstream.server.storage.StreamMeta;
import dev.rstream.server.write.MediaTypes;
import dev.rstream.server.write.StreamWriter;
import java.nio.ByteBuffer;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.jspecify.annotations.Nullable;

/**
 * GET: reads a stream from an offset (spec 5.6 - 5.8): catch-up, {@code offset=now}, long-poll, or
 * SSE. A catch-up or a long-poll with data is answered at once; a waiting long-poll parks in {@link
 * LongPollRead} and an SSE connection runs in {@link SseSession}, neither holding a thread.
 */
final class ReadHandler implements StreamOperation {
  private final StreamWriter writer;
  private final ReadContext reads;

  ReadHandler(StreamWriter writer, ReadContext reads) {
    this.writer = writer;
    this.reads = reads;
  }

  @Override
  public void handle(Request request, Response response, Callback callback, String path)
      throws HttpError {
    Fields query = Request.extractQueryParameters(request);
    List<String> offsets = query.getValues("offset");
    if (offsets != null && offsets.size() > 1) {
      throw HttpError.badRequest("invalid_offset", "more than one offset parameter");
    }
    String offset = offsets == null || offsets.isEmpty() ? null : offsets.get(0);
    String live = query.getValue("live");
    String cursor = query.getValue("cursor");
    if (live != null && !live.equals("long-poll") && !live.equals("sse")) {
      throw HttpError.badRequest("invalid_live", "live must be long-poll or sse, got " + live);
    }
    if (offset != null && offset.isEmpty()) {
      throw HttpError.badRequest("invalid_offset", "empty offset parameter");
    }
    if (live != null && offset == null) {
      throw HttpError.badRequest("missing_offset", "live=" + live + " needs an offset parameter");
    }
    Offset parsed = null;
    if (offset != null && !offset.equals("-1") && !offset.equals("now")) {
      parsed = Offset.parse(offset);
      if (parsed == null) {
        throw HttpError.badRequest(
            "invalid_offset", "offset " + offset + " was not issued by this server");
      }
    }
    StreamMeta meta = writer.liveMeta(path, true);
    if (meta == null) {
      throw HttpError.notFound(path);
    }
    if (parsed != null && parsed.incarnation() != meta.incarnation()) {
      throw new HttpError(
          410,
          "offset_gone",
          "offset "
              + offset
              + " belongs to an earlier stream at "
              + path
              + " (deleted and created again); read again from -1");
    }
    boolean now = "now".equals(offset);
    if (parsed != null && parsed.position() < meta.startPosition()) {
      throw gone(path, offset, meta);
    }
    long position =
        now ? meta.tailPosition() : parsed == null ? meta.startPosition() : parsed.position();
    if (now && live == null) {
      tail(response, callback, meta);
      return;
    }
    ReadResult first = null;
    // A read from -1 that retention overtook between the metadata and the read starts again
    // from the new start; an explicit offset it overtook is gone.
    for (int attempt = 0; first == null; attempt++) {
      try {
        first = reads.store.read(path, position, reads.settings.maxReadBytes());
      } catch (NoSuchStreamException e) {
        throw HttpError.notFound(path);
      } catch (PositionGoneException e) {
        if (parsed != null || attempt > 2) throw gone(path, offset, meta);
        position = e.startPosition();
      } catch (InvalidPositionException e) {
        throw HttpError.badRequest(
            "invalid_offset", "offset " + offset + " is not a position in stream " + path);
      }
    }
    if ("sse".equals(live)) {
      sse(request, response, callback, meta, position, cursor);
    } else if ("long-poll".equals(live) && first.messages().isEmpty()) {
      if (first.closed()) {
        ReadResponses.writeNoContent(reads, response, callback, meta, position, true, null);
      } else {
        new LongPollRead(reads, request, response, callback, meta, position, cursor).start();
      }
    } else {
      ReadResponses.writeData(
          reads,
          request,
          response,
          callback,
          meta,
          position,
          live == null ? ReadBodies.endAtNextKeyframe(first, meta) : first,
          live == null ? null : Cursor.next(cursor, reads.clock.getAsLong()),
          parsed == null);
    }
  }

  /** 410 for an offset before the first one the stream still holds (retention, PROTOCOL 1). */
  static HttpError gone(String path, @Nullable String offset, StreamMeta meta) {
    return new HttpError(
        410,
        "offset_gone",
        "offset "
            + offset
            + " of stream "
            + path
            + " is older than its retention; its history now starts at "
            + Offset.format(meta.incarnation(), meta.startPosition())
            + ": read again from -1 or from the first keyframe of its index");
  }

  /** Spec 8, {@code offset=now} without live: the tail, no data, not cacheable, no ETag. */
  private static void tail(Response response, Callback callback, StreamMeta meta) {
    HttpFields.Mutable out = response.getHeaders();
    out.put(HttpHeader.CONTENT_TYPE, meta.contentType());
    out.put("Stream-Next-Offset", Offset.format(meta.incarnation(), meta.tailPosition()));
    out.put("Stream-Up-To-Date", "true");
    out.put(HttpHeader.CACHE_CONTROL, "no-store");
    if (meta.closed()) {
      out.put("Stream-Closed", "true");
    }
    response.setStatus(200);
    byte[] body = ReadBodies.of(List.of(), MediaTypes.isJson(meta.contentType()));
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  private void sse(
      Request request,
      Response response,
      Callback callback,
      StreamMeta meta,
      long position,
      @Nullable String cursor) {
    HttpFields.Mutable out = response.getHeaders();
    out.put(HttpHeader.CONTENT_TYPE, "text/event-stream");
    out.put(HttpHeader.CACHE_CONTROL, "no-cache");
    out.put("X-Accel-Buffering", "no");
    if (!MediaTypes.isTextual(meta.contentType())) {
      out.put("Stream-SSE-Data-Encoding", "base64");
    }
    response.setStatus(200);
    new SseSession(reads, response, callback, meta, position, cursor).start(request);
  }
}
