package dev.rstream.durable;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/** The one check every options builder applies to a header it is given. */
final class RequestHeaders {
  private RequestHeaders() {}

  /**
   * Puts {@code name: value} into {@code headers} after checking them as OkHttp would when the
   * request is built, so that a bad header fails where it is set, not on the I/O thread later.
   */
  static void put(Map<String, String> headers, String name, String value) {
    requireNonNull(name, "name == null");
    requireNonNull(value, "value == null");
    okhttp3.Headers.of(name, value);
    headers.put(name, value);
  }
}
