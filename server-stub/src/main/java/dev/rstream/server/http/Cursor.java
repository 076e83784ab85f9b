package dev.rstream.server.http;

import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Live-response cursors for CDN collapsing (spec 10.1): the number of 20-second intervals since
 * 2024-10-09T00:00:00Z, advanced by 1-3600 s of random jitter when the client's cursor is not
 * behind the clock, so that cursors never go backwards and cached responses cannot cycle.
 */
final class Cursor {
  private static final long EPOCH_MILLIS = 1_728_432_000_000L; // 2024-10-09T00:00:00Z
  private static final long INTERVAL_SECONDS = 20;

  /**
   * A client cursor further ahead of the clock than this (a year of intervals) is not one this
   * server could have sent: it is treated like garbage, which also keeps the sum from overflowing.
   */
  private static final long MAX_AHEAD = 365L * 24 * 3600 / INTERVAL_SECONDS;

  private Cursor() {}

  static String next(@Nullable String clientCursor, long nowMillis) {
    long current = (nowMillis - EPOCH_MILLIS) / (INTERVAL_SECONDS * 1000);
    if (clientCursor == null || clientCursor.isEmpty()) {
      return Long.toString(current);
    }
    long client;
    try {
      client = Long.parseLong(clientCursor);
    } catch (NumberFormatException e) {
      return Long.toString(current);
    }
    if (client < current || client - current > MAX_AHEAD) {
      return Long.toString(current);
    }
    long jitterSeconds = 1 + ThreadLocalRandom.current().nextLong(3600);
    long jitterIntervals = Math.max(1, (jitterSeconds + INTERVAL_SECONDS - 1) / INTERVAL_SECONDS);
    return Long.toString(client + jitterIntervals);
  }
}
