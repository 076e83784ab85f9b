package dev.rstream.server.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the server refuses: the status, a stable machine-readable code and a message that names
 * the stream (and offset) involved. Answered as {@code {"error":{"code":..,"message":..}}}; nothing
 * was appended when one is thrown.
 */
final class HttpError extends Exception {
  private static final long serialVersionUID = 1L;

  final int status;
  final String code;
  final Map<String, String> headers = new LinkedHashMap<>();

  HttpError(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  /** Adds a response header, e.g. {@code Stream-Closed} on a 409 for a closed stream. */
  HttpError header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  static HttpError badRequest(String code, String message) {
    return new HttpError(400, code, message);
  }

  static HttpError notFound(String path) {
    return new HttpError(404, "stream_not_found", "no stream at " + path);
  }

  static HttpError conflict(String code, String message) {
    return new HttpError(409, code, message);
  }
}
