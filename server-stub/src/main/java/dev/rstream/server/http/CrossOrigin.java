package dev.rstream.server.http;

import java.time.Duration;
import java.util.Set;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.handler.CrossOriginHandler;

/**
 * CORS for browser clients, by Jetty's {@link CrossOriginHandler}: any origin may read streams and
 * write to them (a stream's URL and, when set, the bearer token are the access control), with the
 * protocol's request headers allowed and its response headers exposed.
 *
 * <p>What Jetty's handler does differently from a hand-written {@code Access-Control-Allow-Origin:
 * *} on every answer, and why that is fine:
 *
 * <ul>
 *   <li>CORS headers go only on requests that carry an {@code Origin}. Browsers send one on every
 *       cross-origin request, so only clients that ignore CORS stop seeing them.
 *   <li>The origin is echoed rather than {@code *}, and every answer carries {@code Vary: Origin}:
 *       a shared cache keeps one variant per origin (one for all non-browser clients).
 *   <li>{@code Access-Control-Allow-Methods}, {@code -Allow-Headers} and {@code -Max-Age} go only
 *       on preflights, {@code -Expose-Headers} only on the other answers, as the Fetch standard
 *       reads them.
 *   <li>Credentials stay disallowed: the bearer token is an explicit header, never a cookie.
 *   <li>Preflights are delivered on to {@link StreamHandler}, which answers them 204 (Jetty alone
 *       would answer 200); {@link BearerAuth} lets them through without a token.
 *   <li>Errors Jetty raises before any handler runs (an unparsable request line) reach {@link
 *       JsonErrorHandler} without CORS headers. Browsers do not send such requests.
 * </ul>
 */
final class CrossOrigin {
  /** What a browser may send: the protocol's request headers and {@code Authorization}. */
  static final Set<String> ALLOWED_HEADERS =
      Set.of(
          "Content-Type",
          "Authorization",
          "If-None-Match",
          "Stream-Seq",
          "Stream-TTL",
          "Stream-Expires-At",
          "Stream-Closed",
          "Producer-Id",
          "Producer-Epoch",
          "Producer-Seq",
          "Rstream-Keyframes",
          "Rstream-Retention");

  /** What a browser script may read: the protocol's response headers. */
  static final Set<String> EXPOSED_HEADERS =
      Set.of(
          "Stream-Next-Offset",
          "Stream-Cursor",
          "Stream-Up-To-Date",
          "Stream-Closed",
          "Stream-TTL",
          "Stream-Expires-At",
          "Stream-SSE-Data-Encoding",
          "Producer-Epoch",
          "Producer-Seq",
          "Producer-Expected-Seq",
          "Producer-Received-Seq",
          "ETag",
          "Location",
          "Content-Type",
          "Content-Encoding",
          "Vary");

  private CrossOrigin() {}

  /** A {@link CrossOriginHandler} in front of {@code next}, configured as described above. */
  static Handler in(Handler next) {
    CrossOriginHandler cors = new CrossOriginHandler();
    cors.setAllowedOriginPatterns(Set.of("*"));
    cors.setAllowCredentials(false);
    cors.setAllowedMethods(Set.of("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"));
    cors.setAllowedHeaders(ALLOWED_HEADERS);
    cors.setExposedHeaders(EXPOSED_HEADERS);
    cors.setPreflightMaxAge(Duration.ofDays(1));
    cors.setDeliverPreflightRequests(true);
    cors.setHandler(next);
    return cors;
  }
}
