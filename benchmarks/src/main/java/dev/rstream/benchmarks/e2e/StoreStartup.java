package dev.rstream.benchmarks.e2e;

import static dev.rstream.benchmarks.e2e.SuiteKit.check;

import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import dev.rstream.SqliteStore;
import dev.rstream.StateView;
import io.reactivex.rxjava3.disposables.Disposable;
import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Time to the first stored state on a restart, on the JVM's {@link SqliteStore}: a state stream of
 * N updates with K keyframes on server-stub, a client that caught up on an empty store and closed,
 * then R restarts, each timed from opening the store to the first {@code live()} view ({@code
 * fromStore()}). The store file is then copied to {@code --out}, with the stream's URL printed, for
 * the same figure on {@code AndroidSqliteStore} under Robolectric (the android module's {@code
 * AndroidStoreStartupBenchmark}), which reads the same file format.
 *
 * <p>Usage: {@code StoreStartup [--messages 1000000] [--windows 1000] [--runs 7] [--out FILE]}.
 */
public final class StoreStartup {
  private StoreStartup() {}

  public static void main(String[] args) throws Exception {
    int n = 1_000_000;
    int windows = 1_000;
    int runs = 7;
    int serveSeconds = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--messages":
          n = Integer.parseInt(args[i + 1]);
          break;
        case "--windows":
          windows = Integer.parseInt(args[i + 1]);
          break;
        case "--runs":
          runs = Integer.parseInt(args[i + 1]);
          break;
        case "--serve-seconds":
          serveSeconds = Integer.parseInt(args[i + 1]);
          break;
        default:
          throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    File dir = Files.createTempDirectory("rstream-startup").toFile();
    File file = new File(dir, "app.db");
    try (Loopback loopback = new Loopback()) {
      // The restart figure's stream.
      OrderHistory orders = OrderHistory.create(loopback, "startup-" + n, n, windows);
      String url = orders.url();
      int keys = orders.keys();
      long t0 = System.nanoTime();
      Offset end = orders.populateKeyframed(loopback, 0, n);
      System.out.printf(
          Locale.ROOT, "populated %,d messages in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);

      try (SqliteStore store = RestartFigures.openStore(file);
          RStreamClient client = RStreamClient.builder().streamUrl(url).store(store).build()) {
        Disposable live = client.live().subscribe(v -> {}, e -> {});
        try {
          client.awaitOffset(end).timeout(600, TimeUnit.SECONDS).blockingAwait();
          SuiteKit.awaitStoredLive(store, url, end);
        } finally {
          live.dispose();
        }
        System.out.printf(
            Locale.ROOT,
            "store: %d index entries, live window of %d changes%n",
            store.keyframes(url).size(),
            store.liveWindow(url).changes().size());
      }

      List<Double> millis = new ArrayList<>();
      for (int run = 0; run < runs; run++) {
        long start = System.nanoTime();
        try (SqliteStore store = RestartFigures.openStore(file);
            RStreamClient client = RStreamClient.builder().streamUrl(url).store(store).build()) {
          StateView first = client.live().timeout(60, TimeUnit.SECONDS).blockingFirst();
          millis.add((System.nanoTime() - start) / 1e6);
          check(first.fromStore(), "the first view after a restart was not from the store");
          check(first.size() == keys, first.size() + " entities, not " + keys);
        }
      }
      System.out.printf(
          Locale.ROOT,
          "SqliteStore (JVM), %,d msgs / %d windows: time to the first stored state %s%n",
          n,
          windows,
          summary(millis));
      if (serveSeconds > 0) {
        System.out.println("stream url: " + url);
        Thread.sleep(TimeUnit.SECONDS.toMillis(serveSeconds));
      }
    } finally {
      for (File f : dir.listFiles()) Files.delete(f.toPath());
      Files.delete(dir.toPath());
    }
  }

  /** "median M ms (min A, max B, R runs)", with the first run (a cold JVM) among them. */
  static String summary(List<Double> millis) {
    List<Double> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    return String.format(
        Locale.ROOT,
        "median %.1f ms (min %.1f, max %.1f, %d runs; the first in a fresh JVM: %.1f)",
        sorted.get(sorted.size() / 2),
        sorted.get(0),
        sorted.get(sorted.size() - 1),
        sorted.size(),
        millis.get(0));
  }
}
