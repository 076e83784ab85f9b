package dev.rstream.server.http;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The browser security headers of spec 12.7 on every answer: {@code X-Content-Type-Options:
 * nosniff} and {@code Cross-Origin-Resource-Policy: cross-origin} (streams are meant to be fetched
 * from other origins), and a {@code Content-Security-Policy} that sandboxes the answer and lets it
 * load nothing: a stream created as {@code text/html} or {@code image/svg+xml} holds what any
 * client wrote, and must not run as a page of this server's origin when opened in a browser (fetch,
 * XHR and EventSource ignore it). Not CORS, so not {@link CrossOrigin}'s job.
 */
final class SecurityHeaders extends Handler.Wrapper {

  SecurityHeaders(Handler next) {
    super(next);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    addTo(response.getHeaders());
    return super.handle(request, response, callback);
  }

  /** Adds the headers; also for the answers Jetty makes without running the handlers. */
  static void addTo(HttpFields.Mutable headers) {
    headers.put("X-Content-Type-Options", "nosniff");
    headers.put("Cross-Origin-Resource-Policy", "cross-origin");
    headers.put("Content-Security-Policy", "default-src 'none'; sandbox");
  }
}
