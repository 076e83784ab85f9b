package dev.rstream.benchmarks.e2e;

import dev.rstream.Offset;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.function.IntFunction;

/**
 * The restart figures' stream (figure 5 of {@link EndToEndBenchmarks} and {@link StoreStartup}): a
 * state stream on a {@link Loopback} with a keyframe after every {@code n / windows} changes, each
 * change a timestamped update of one of a bounded set of orders, so that each window's keyframe
 * holds {@link #keys()} entities, not every entity so far (which would make a store grow with n
 * squared). One place for the messages, so that both figures measure the same stream.
 */
final class OrderHistory {
  private static final DateTimeFormatter RFC3339_MILLIS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private final String url;
  private final int every;
  private final int keys;
  private final IntFunction<String> message;

  private OrderHistory(String url, int every, int keys, IntFunction<String> message) {
    this.url = url;
    this.every = every;
    this.keys = keys;
    this.message = message;
  }

  /** Creates the stream {@code name} on {@code loopback}, empty, for {@code n} changes. */
  static OrderHistory create(Loopback loopback, String name, int n, int windows)
      throws IOException {
    int every = Math.max(1, n / windows);
    int keys = Math.min(every, 1_000);
    String url = loopback.createStateStream(name, every);
    Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS).plusSeconds(1);
    IntFunction<String> message = orderMessage(keys, base);
    return new OrderHistory(url, every, keys, message);
  }

  /**
   * Appends changes {@code from} to {@code to} in batches of {@link #every()}, waiting after each
   * full batch for its keyframe (so the count of windows does not vary from run to run); returns
   * the offset after the last.
   */
  Offset populateKeyframed(Loopback loopback, int from, int to) throws IOException {
    return Offset.of(loopback.populateKeyframed(url, from, to, every, message));
  }

  /** Appends changes {@code from} to {@code to} in batches, not waiting for keyframes. */
  Offset populate(Loopback loopback, int from, int to) throws IOException {
    return Offset.of(loopback.populate(url, from, to, every, message));
  }

  String url() {
    return url;
  }

  /** Changes per window: the server writes a keyframe after each batch of them. */
  int every() {
    return every;
  }

  /** The orders every keyframe holds. */
  int keys() {
    return keys;
  }

  /**
   * The {@code i}th message of an order history over {@code keys} keys: an insert for each key
   * first, then updates, stamped {@code i} ms after {@code base}.
   */
  static IntFunction<String> orderMessage(int keys, Instant base) {
    return i ->
        order(i % keys, i)
            + "},\"headers\":{\"operation\":\""
            + (i < keys ? "insert" : "update")
            + "\",\"timestamp\":\""
            + RFC3339_MILLIS.format(base.plusMillis(i))
            + "\"}}";
  }

  /**
   * The insert of order {@code i}, untimed, with a side and a trader: the catch-up figures' stream
   * holds one per order.
   */
  static String orderInsert(int i) {
    return order(i, i)
        + ",\"side\":\""
        + (i % 2 == 0 ? "buy" : "sell")
        + "\",\"trader\":\"trader-"
        + (i % 113)
        + "\"},\"headers\":{\"operation\":\"insert\"}}";
  }

  /** A change of order {@code key} up to its value's price and quantity, the value left open. */
  private static String order(int key, int i) {
    return "{\"type\":\"order\",\"key\":\"o"
        + key
        + "\",\"value\":{\"id\":"
        + i
        + ",\"price\":"
        + (1000 + i % 997)
        + ".25,\"qty\":"
        + (i % 50 + 1);
  }
}
