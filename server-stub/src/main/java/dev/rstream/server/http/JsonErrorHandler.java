package dev.rstream.server.http;

import java.nio.ByteBuffer;
import java.util.Locale;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Errors Jetty raises itself (a URI it cannot parse, an ambiguous {@code %2e%2e} segment, a header
 * section too large) in the same {@code {"error":{"code":..,"message":..}}} shape as the protocol
 * errors, instead of Jetty's HTML page.
 */
public final class JsonErrorHandler extends ErrorHandler {

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      @Nullable String message,
      @Nullable Throwable cause,
      Callback callback) {
    StreamHandler.securityHeaders(response.getHeaders());
    StreamHandler.writeError(request, response, callback, error(code, message));
  }

  @Override
  public ByteBuffer badMessageError(int status, @Nullable String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, "application/json");
    fields.put(HttpHeader.CACHE_CONTROL, "no-store");
    StreamHandler.securityHeaders(fields);
    return ByteBuffer.wrap(StreamHandler.errorBody(error(status, reason)));
  }

  private static HttpError error(int status, @Nullable String message) {
    String reason = HttpStatus.getMessage(status);
    String code = reason.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    return new HttpError(status, code, message == null || message.isEmpty() ? reason : message);
  }
}
