package dev.rstream.benchmarks.e2e;

import static dev.rstream.benchmarks.e2e.SuiteKit.check;
import static dev.rstream.benchmarks.e2e.SuiteKit.count;
import static dev.rstream.benchmarks.e2e.SuiteKit.millis;

import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * Figure 3 of {@link EndToEndBenchmarks}, time seek: requests, bytes and latency of {@code
 * window(ts)} in the middle window of a keyframed stream on a new client. Not thread-safe.
 */
final class SeekFigures {
  private final SuiteKit kit;

  SeekFigures(SuiteKit kit) {
    this.kit = kit;
  }

  /** Adds the seek rows of a stream of {@code n} messages. */
  void measure(int n) throws Exception {
    int every = kit.options().keyframeEvery;
    String url = kit.loopback().createStateStream("seek-" + n, every);
    Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS).plusSeconds(1);
    int keys = Math.max(1, every);
    // Batches of `every` changes: the server writes keyframes between units, so this keeps them
    // `every` changes apart.
    kit.loopback().populateKeyframed(url, 0, n, every, OrderHistory.orderMessage(keys, base));
    List<RawReads.IndexEntry> index = kit.loopback().raw().keyframeIndex(url);
    check(index.size() >= 3, "only " + index.size() + " keyframes in " + url);
    int k = index.size() / 2;
    RawReads.IndexEntry start = index.get(k);
    RawReads.IndexEntry end = index.get(k + 1);
    Instant target =
        start.timestamp.plus(Duration.between(start.timestamp, end.timestamp).dividedBy(2));
    RawReads.Result window = kit.loopback().raw().windowSize(url, start.offset, end.offset);
    long indexBytes = kit.loopback().raw().indexBytes(url);

    TrafficCounter counter = new TrafficCounter();
    try (RStreamClient client = kit.client(url, counter)) {
      long t0 = System.nanoTime();
      StateView cold = client.window(target).blockingFirst();
      long coldNanos = System.nanoTime() - t0;
      long coldRequests = counter.requests();
      long coldBytes = counter.bodyBytes();
      check(
          cold.timestamp() != null && !cold.timestamp().isAfter(target),
          "state at " + cold.timestamp() + " for " + target);
      check(cold.size() == Math.min(keys, n), "window state has " + cold.size() + " entities");

      long t1 = System.nanoTime();
      StateView warm = client.window(target.plusMillis(1)).blockingFirst();
      long warmNanos = System.nanoTime() - t1;
      long warmRequests = counter.requests() - coldRequests;
      check(warm.windowId().equals(cold.windowId()), "warm seek landed in another window");

      RawReads.IndexEntry previous = index.get(k - 1);
      long t2 = System.nanoTime();
      client
          .window(
              previous.timestamp.plus(
                  Duration.between(previous.timestamp, start.timestamp).dividedBy(2)))
          .blockingFirst();
      long otherNanos = System.nanoTime() - t2;
      long otherRequests = counter.requests() - coldRequests - warmRequests;

      String size = count(n) + " msgs, " + index.size() + " keyframes";
      double bytesRatio = (double) (coldBytes - indexBytes) / window.messageBytes;
      kit.add(
          new Figure(
              EndToEndBenchmarks.SEEK,
              "cold window(ts): requests, bytes beyond the index / window size",
              size,
              String.format(
                  Locale.ROOT,
                  "%d requests, %,d B index + %,d B / %,d B window = %.2fx",
                  coldRequests,
                  indexBytes,
                  coldBytes - indexBytes,
                  window.messageBytes,
                  bytesRatio),
              "1 index read + 1 window read, <= 1.2x",
              coldRequests <= 2 && bytesRatio <= 1.2));
      kit.add(
          Figure.info(
              EndToEndBenchmarks.SEEK,
              "latency: cold (index + window) / same window again / neighbour window",
              size,
              String.format(
                  Locale.ROOT,
                  "%.1f ms / %.3f ms (%d requests) / %.1f ms (%d requests)",
                  millis(coldNanos),
                  millis(warmNanos),
                  warmRequests,
                  millis(otherNanos),
                  otherRequests)));
    }
  }
}
