package dev.rstream.durable;

import static java.util.Objects.requireNonNull;

/**
 * A header or query parameter value computed afresh for every request, including every reconnect of
 * a live read and every retry: an auth token that refreshes, a request counter.
 *
 * <p>Called on the thread that sends the request (an OkHttp or I/O thread); must be thread-safe,
 * fast and non-blocking. Throwing fails the operation with that exception.
 *
 * <p>A dynamic query parameter changes the URL of every request, so CDNs and HTTP caches cannot
 * share or collapse reads that carry it; prefer headers for credentials.
 */
@FunctionalInterface
public interface DynamicValue {
  /** The value to send now; must not be null. */
  String value();

  /** A value that never changes. */
  static DynamicValue of(String constant) {
    requireNonNull(constant, "constant == null");
    return () -> constant;
  }
}
