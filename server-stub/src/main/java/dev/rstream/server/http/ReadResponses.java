package dev.rstream.server.http;

import dev.rstream.server.storage.ReadResult;
import dev.rstream.server.storage.StreamMeta;
import dev.rstream.server.write.MediaTypes;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The answers of catch-up and long-poll reads (spec 5.6, 5.7): data with its ETag and cache
 * lifetime (spec 10.1), 304 for a matching {@code If-None-Match}, and the 204 of a long-poll that
 * timed out or found the stream closed. Stateless.
 */
final class ReadResponses {
  private ReadResponses() {}

  /**
   * A 200 read answer (catch-up or long-poll) with its body, or 304 when the ETag matches; {@code
   * fromStreamStart} for a read asked from {@code -1}, whose answer changes when retention moves
   * the stream's start, so it is never cached as immutable on a stream with retention.
   */
  static void writeData(
      ReadContext reads,
      Request request,
      Response response,
      Callback callback,
      StreamMeta meta,
      long start,
      ReadResult read,
      @Nullable String cursor,
      boolean fromStreamStart) {
    boolean closedAtTail = read.closed() && read.upToDate();
    String next = Offset.format(meta.incarnation(), read.nextPosition());
    // The incarnation is in both offsets: a re-created stream never matches an old ETag.
    String etag =
        "\""
            + Offset.format(meta.incarnation(), start)
            + ":"
            + next
            + (closedAtTail ? ":c" : "")
            + "\"";
    HttpFields.Mutable out = response.getHeaders();
    out.put(HttpHeader.ETAG, etag);
    out.put(HttpHeader.CACHE_CONTROL, cacheControl(reads, meta, read, fromStreamStart));
    if (cursor != null) {
      out.put("Stream-Cursor", cursor);
    }
    out.put("Stream-Next-Offset", next);
    if (read.upToDate()) {
      out.put("Stream-Up-To-Date", "true");
    }
    if (closedAtTail) {
      out.put("Stream-Closed", "true");
    }
    String ifNoneMatch = request.getHeaders().get(HttpHeader.IF_NONE_MATCH);
    if (ifNoneMatch != null && matches(ifNoneMatch, etag)) {
      response.setStatus(304);
      response.write(true, null, callback);
      return;
    }
    out.put(HttpHeader.CONTENT_TYPE, meta.contentType());
    if (MediaTypes.essence(meta.contentType()).equals(MediaTypes.OCTET_STREAM)) {
      // Spec 12.7: a browser that navigates to a binary stream saves it instead of rendering it.
      out.put(HttpHeader.CONTENT_DISPOSITION, "attachment");
    }
    response.setStatus(200);
    response.write(
        true,
        ByteBuffer.wrap(ReadBodies.of(read, MediaTypes.isJson(meta.contentType()))),
        callback);
  }

  private static boolean matches(String ifNoneMatch, String etag) {
    for (String candidate : ifNoneMatch.split(",")) {
      String tag = candidate.trim();
      if (tag.startsWith("W/")) {
        tag = tag.substring(2);
      }
      if (tag.equals(etag) || tag.equals("*")) {
        return true;
      }
    }
    return false;
  }

  /**
   * A range that ends below the tail, or at the tail of a closed stream, can never change: cache it
   * for good (unless the stream expires, or the read from {@code -1} starts where retention moves
   * the stream's start). A range at the open tail grows with the next append: shared caches may
   * keep it briefly (spec 10.1), and clients move to live reads there anyway.
   */
  private static String cacheControl(
      ReadContext reads, StreamMeta meta, ReadResult read, boolean fromStreamStart) {
    String scope = reads.settings.bearerToken() == null ? "public" : "private";
    boolean expires =
        meta.ttlSeconds() != null
            || meta.expiresAtMillis() != null
            || (fromStreamStart && (meta.retention() != null || meta.startPosition() > 0));
    boolean settled = !read.upToDate() || read.closed();
    if (settled && !expires) {
      return scope + ", max-age=31536000, immutable";
    }
    return scope + ", max-age=60, stale-while-revalidate=300";
  }

  /**
   * A long-poll timeout may be shared for one long-poll period. A cache that collapses waiting
   * readers (nginx {@code proxy_cache_lock}) hands a cacheable answer to all of them at once, but
   * lets an uncacheable one through to the origin one waiter at a time: with {@code no-store},
   * every timeout would turn a thousand collapsed readers into a thousand serial long-polls. It is
   * safe (spec 10.1): the cache key holds the offset and the cursor, and this answer carries a
   * newer cursor, so a reader that gets it from the cache moves on to a new key at once and cannot
   * loop on it.
   */
  private static String timeoutCacheControl(ReadContext reads) {
    String scope = reads.settings.bearerToken() == null ? "public" : "private";
    long seconds = Math.max(1, (reads.settings.longPollTimeoutMillis() + 999) / 1000);
    return scope + ", max-age=" + seconds;
  }

  /** A 204 long-poll answer: timeout, or the stream closed at the reader's position. */
  static void writeNoContent(
      ReadContext reads,
      Response response,
      Callback callback,
      StreamMeta meta,
      long position,
      boolean closed,
      @Nullable String cursor) {
    HttpFields.Mutable out = response.getHeaders();
    out.put("Stream-Next-Offset", Offset.format(meta.incarnation(), position));
    out.put("Stream-Up-To-Date", "true");
    out.put(
        HttpHeader.CACHE_CONTROL,
        closed || cursor == null ? "no-store" : timeoutCacheControl(reads));
    if (closed) {
      out.put("Stream-Closed", "true");
    } else if (cursor != null) {
      out.put("Stream-Cursor", cursor);
    }
    response.setStatus(204);
    response.write(true, null, callback);
  }
}
