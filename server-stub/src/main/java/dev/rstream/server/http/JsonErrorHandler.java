package dev.rstream.server.http;

import java.util.Locale;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Errors Jetty raises itself (a URI it cannot parse, an ambiguous {@code %2e%2e} segment, a header
 * section too large; Jetty 12.1 routes malformed requests through here too) in the same {@code
 * {"error":{"code":..,"message":..}}} shape as the protocol errors, instead of Jetty's HTML page.
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
    // Jetty may answer here before any handler ran, so SecurityHeaders may not have.
    SecurityHeaders.addTo(response.getHeaders());
    ErrorResponses.write(request, response, callback, error(code, message));
  }

  private static HttpError error(int status, @Nullable String message) {
    String reason = HttpStatus.getMessage(status);
    String code = reason.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    return new HttpError(status, code, message == null || message.isEmpty() ? reason : message);
  }
}
