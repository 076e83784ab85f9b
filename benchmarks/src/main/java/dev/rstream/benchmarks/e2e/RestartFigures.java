package dev.rstream.benchmarks.e2e;

import static dev.rstream.benchmarks.e2e.SuiteKit.awaitStoredLive;
import static dev.rstream.benchmarks.e2e.SuiteKit.check;
import static dev.rstream.benchmarks.e2e.SuiteKit.count;
import static dev.rstream.benchmarks.e2e.SuiteKit.millis;

import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import dev.rstream.SqliteStore;
import dev.rstream.StateView;
import io.reactivex.rxjava3.disposables.Disposable;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Figure 5 of {@link EndToEndBenchmarks}, restart: what a client on a {@link SqliteStore} fetches
 * (a) on a cold start, (b) on a restart followed by {@code live()} after M messages were appended
 * while it was closed, (c) for a committed window after a restart.
 */
final class RestartFigures {
  private final SuiteKit kit;

  RestartFigures(SuiteKit kit) {
    this.kit = kit;
  }

  /** Adds the restart rows, (a) to (c), for {@code --restart-messages} messages. */
  void measure() throws Exception {
    int n = kit.options().restartMessages;
    int windows = kit.options().restartWindows;
    int appended = kit.options().restartAppended;
    OrderHistory orders = OrderHistory.create(kit.loopback(), "restart-" + n, n, windows);
    String url = orders.url();
    int keys = orders.keys();
    // Batches of `every` changes: the server writes its keyframes between units.
    Offset populated = orders.populateKeyframed(kit.loopback(), 0, n);
    List<RawReads.IndexEntry> index = kit.loopback().raw().keyframeIndex(url);
    check(index.size() >= 3, "only " + index.size() + " keyframes in " + url);
    String size = count(n) + " msgs, " + index.size() + " keyframes";

    // The live cursor starts at the latest keyframe, so a committed window is in the store only
    // once the app has read it: (a) reads one, (c) asks for it again and for a neighbour it never
    // read.
    int k = index.size() / 2;
    Instant target = middle(index.get(k), index.get(k + 1));
    Instant neighbour = middle(index.get(k - 1), index.get(k));
    Path dir = Files.createTempDirectory("rstream-restart");
    File file = dir.resolve("app.db").toFile();
    try {
      // (a) cold start on an empty store.
      TrafficCounter cold = new TrafficCounter();
      long t0 = System.nanoTime();
      try (SqliteStore store = openStore(file);
          RStreamClient client = kit.client(url, cold, store)) {
        caughtUpTo(client, populated);
        long coldNanos = System.nanoTime() - t0;
        kit.add(
            Figure.info(
                EndToEndBenchmarks.RESTART,
                "(a) cold start, empty store: live() until caught up",
                size,
                String.format(
                    Locale.ROOT,
                    "%d requests %s, %,d B, %.1f ms",
                    cold.requests(),
                    cold.requested(0),
                    cold.bodyBytes(),
                    millis(coldNanos))));
        long requests = cold.requests();
        long bytes = cold.bodyBytes();
        long t1 = System.nanoTime();
        StateView read = client.window(target).timeout(60, TimeUnit.SECONDS).blockingFirst();
        long readNanos = System.nanoTime() - t1;
        check(!read.fromStore(), "a window never read was answered from the store");
        // The store is written after emitting: close only once its live window reached the end.
        awaitStoredLive(store, url, populated);
        kit.add(
            Figure.info(
                EndToEndBenchmarks.RESTART,
                "(a) then window(ts) of a middle committed window (stored for (c))",
                size,
                String.format(
                    Locale.ROOT,
                    "%d requests, %,d B, %.1f ms (store then holds %,d B of committed windows, %d index entries)",
                    cold.requests() - requests,
                    cold.bodyBytes() - bytes,
                    millis(readNanos),
                    store.committedBytes(),
                    store.keyframes(url).size())));
      }

      // (b) M messages appended while closed, then a restart and live().
      Offset before = populated;
      Offset grown = orders.populate(kit.loopback(), n, n + appended);
      RawReads.Result added = kit.loopback().raw().readFrom(url, before.value());
      TrafficCounter restarted = new TrafficCounter();
      long t1 = System.nanoTime();
      try (SqliteStore store = openStore(file);
          RStreamClient client = kit.client(url, restarted, store)) {
        StateView first = client.live().timeout(60, TimeUnit.SECONDS).blockingFirst();
        long firstNanos = System.nanoTime() - t1;
        long requestsAtFirst = restarted.requests();
        check(first.fromStore(), "the first view after a restart was not answered from the store");
        caughtUpTo(client, grown);
        long caughtNanos = System.nanoTime() - t1;
        double ratio = (double) restarted.bodyBytes() / added.bodyBytes;
        kit.add(
            Figure.info(
                EndToEndBenchmarks.RESTART,
                "(b) restart + live(): time to the first StateView (fromStore), requests before it",
                size,
                String.format(
                    Locale.ROOT,
                    "%.1f ms, %d requests (store open + client + first view)",
                    millis(firstNanos),
                    requestsAtFirst)));
        kit.add(
            new Figure(
                EndToEndBenchmarks.RESTART,
                "(b) restart + live() until caught up with "
                    + count(appended)
                    + " new msgs: requests, bytes / bytes of the new msgs",
                size,
                String.format(
                    Locale.ROOT,
                    "%d requests %s, %,d B / %,d B = %.2fx, %.1f ms",
                    restarted.requests(),
                    restarted.requested(0),
                    restarted.bodyBytes(),
                    added.bodyBytes,
                    ratio,
                    millis(caughtNanos)),
                "only the new messages (<= 1.2x)",
                ratio <= 1.2));
        awaitStoredLive(store, url, grown);
      }

      // (c) a committed window after a restart.
      TrafficCounter seek = new TrafficCounter();
      long t2 = System.nanoTime();
      try (SqliteStore store = openStore(file);
          RStreamClient client = kit.client(url, seek, store)) {
        // What the reopened store offers the client's index before it asks for anything.
        String storedIndex =
            store.keyframes(url).size()
                + " index entries, next "
                + store.keyframesNext(url).value();
        long t3 = System.nanoTime();
        StateView view = client.window(target).timeout(60, TimeUnit.SECONDS).blockingFirst();
        long seekNanos = System.nanoTime() - t3;
        long openNanos = t3 - t2;
        long seekRequests = seek.requests();
        long seekBytes = seek.bodyBytes();
        check(
            view.timestamp() != null && !view.timestamp().isAfter(target),
            "state at " + view.timestamp() + " for " + target);
        check(
            view.size() == keys, "window state has " + view.size() + " entities, expected " + keys);
        kit.add(
            new Figure(
                EndToEndBenchmarks.RESTART,
                "(c) restart + window(ts) of the committed window read in (a): requests, bytes, latency",
                size,
                String.format(
                    Locale.ROOT,
                    "%d requests %s, %,d B, fromStore %s, %.1f ms (+ %.1f ms store open and client; store had %s)",
                    seekRequests,
                    seek.requested(0),
                    seekBytes,
                    view.fromStore(),
                    millis(seekNanos),
                    millis(openNanos),
                    storedIndex),
                "0 requests",
                seekRequests == 0));
        long t4 = System.nanoTime();
        StateView other = client.window(neighbour).timeout(60, TimeUnit.SECONDS).blockingFirst();
        long otherNanos = System.nanoTime() - t4;
        kit.add(
            Figure.info(
                EndToEndBenchmarks.RESTART,
                "(c) then window(ts) of a neighbour window never read before the restart",
                size,
                String.format(
                    Locale.ROOT,
                    "%d requests %s, %,d B, fromStore %s, %.1f ms",
                    seek.requests() - seekRequests,
                    seek.requested((int) seekRequests),
                    seek.bodyBytes() - seekBytes,
                    other.fromStore(),
                    millis(otherNanos))));
      }
    } finally {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    }
  }

  private static Instant middle(RawReads.IndexEntry start, RawReads.IndexEntry end) {
    return start.timestamp.plus(Duration.between(start.timestamp, end.timestamp).dividedBy(2));
  }

  /**
   * Large enough that no committed window is evicted: the figure measures the store, not its
   * budget.
   */
  private static final long RESTART_STORE_BYTES = 1L << 40;

  static SqliteStore openStore(File file) {
    return SqliteStore.builder().file(file).maxWindowBytes(RESTART_STORE_BYTES).build();
  }

  private static void caughtUpTo(RStreamClient client, Offset offset) {
    // A live() subscription keeps the cursor running while awaitOffset waits for it.
    Disposable live = client.live().subscribe(v -> {}, e -> {});
    try {
      client.awaitOffset(offset).timeout(600, TimeUnit.SECONDS).blockingAwait();
    } finally {
      live.dispose();
    }
  }
}
