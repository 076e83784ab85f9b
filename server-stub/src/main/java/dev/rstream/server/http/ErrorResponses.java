package dev.rstream.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Error answers in the one shape every refusal has: the error's status and headers, {@code
 * Cache-Control: no-store}, and the body {@code {"error":{"code":..,"message":..}}} (none for
 * HEAD). Stateless.
 */
final class ErrorResponses {
  private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);
  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private ErrorResponses() {}

  /** Answers with {@code error}, or fails {@code callback} when the answer already started. */
  static void write(Request request, Response response, Callback callback, HttpError error) {
    if (response.isCommitted()) {
      callback.failed(error);
      return;
    }
    HttpFields.Mutable out = response.getHeaders();
    for (String name :
        List.of("ETag", "Stream-Next-Offset", "Stream-Up-To-Date", "Stream-Cursor")) {
      out.remove(name);
    }
    for (Map.Entry<String, String> header : error.headers.entrySet()) {
      out.put(header.getKey(), header.getValue());
    }
    out.put(HttpHeader.CONTENT_TYPE, "application/json");
    out.put(HttpHeader.CACHE_CONTROL, "no-store");
    response.setStatus(error.status);
    byte[] bytes = body(error);
    response.write(
        true, request.getMethod().equals("HEAD") ? null : ByteBuffer.wrap(bytes), callback);
  }

  /** Answers 500 for a bug, logged with the request it broke. */
  static void writeInternal(
      Request request, Response response, Callback callback, RuntimeException e) {
    log.error("{} {} failed", request.getMethod(), request.getHttpURI(), e);
    // The exception stays in the log: its text names internals a client has no use for.
    write(request, response, callback, new HttpError(500, "internal_error", "internal error"));
  }

  static byte[] body(HttpError error) {
    Map<String, Object> body = new LinkedHashMap<>();
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("code", error.code);
    inner.put("message", error.getMessage());
    body.put("error", inner);
    try {
      return MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      return "{\"error\":{\"code\":\"internal_error\",\"message\":\"\"}}"
          .getBytes(StandardCharsets.UTF_8);
    }
  }

  /** The failure a future completed with, without its {@link CompletionException} wrapper. */
  static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }
}
