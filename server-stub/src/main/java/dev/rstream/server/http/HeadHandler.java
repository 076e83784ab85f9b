package dev.rstream.server.http;

import dev.rstream.server.state.Rfc3339;
import dev.rstream.server.storage.StreamMeta;
import dev.rstream.server.write.StreamWriter;
import java.time.Instant;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * HEAD: a stream's metadata (spec 5.5): content type, tail offset, TTL or expiry, closed flag.
 * Never cached, and does not restart a sliding TTL.
 */
final class HeadHandler implements StreamOperation {
  private final StreamWriter writer;

  HeadHandler(StreamWriter writer) {
    this.writer = writer;
  }

  @Override
  public void handle(Request request, Response response, Callback callback, String path)
      throws HttpError {
    StreamMeta meta = writer.liveMeta(path, false);
    if (meta == null) {
      throw HttpError.notFound(path);
    }
    HttpFields.Mutable out = response.getHeaders();
    out.put(HttpHeader.CONTENT_TYPE, meta.contentType());
    out.put("Stream-Next-Offset", Offset.format(meta.incarnation(), meta.tailPosition()));
    out.put(HttpHeader.CACHE_CONTROL, "no-store");
    Long ttlSeconds = meta.ttlSeconds();
    if (ttlSeconds != null) {
      out.put("Stream-TTL", Long.toString(ttlSeconds));
    }
    Long expiresAtMillis = meta.expiresAtMillis();
    if (expiresAtMillis != null) {
      out.put("Stream-Expires-At", Rfc3339.formatMillis(Instant.ofEpochMilli(expiresAtMillis)));
    }
    if (meta.closed()) {
      out.put("Stream-Closed", "true");
    }
    response.setStatus(200);
    response.write(true, null, callback);
  }
}
