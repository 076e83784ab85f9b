package dev.rstream.benchmarks.e2e;

import dev.rstream.Change;
import dev.rstream.LocalStore;
import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * What every figure family of {@link EndToEndBenchmarks} shares: the run's options, the server on
 * loopback, the rows measured so far, clients with a {@link TrafficCounter}, and the waits and
 * units the figures use. Not thread-safe; owns its server and closes it in {@link #close}.
 */
final class SuiteKit implements AutoCloseable {
  private final EndToEndBenchmarks.Options options;
  private final List<Figure> figures = new ArrayList<>();
  private Loopback loopback;

  SuiteKit(EndToEndBenchmarks.Options options) throws IOException {
    this.options = options;
    this.loopback = new Loopback();
  }

  EndToEndBenchmarks.Options options() {
    return options;
  }

  /** The current server; a new one after {@link #freshServer}. */
  Loopback loopback() {
    return loopback;
  }

  void add(Figure figure) {
    figures.add(figure);
  }

  /** The rows added so far, in the order they were added. */
  List<Figure> figures() {
    return new ArrayList<>(figures);
  }

  /**
   * A new server for each figure: the streams of an earlier one (a million messages in the memory
   * store) would otherwise stay on the heap and put their GC pauses in later figures.
   */
  void freshServer() throws IOException {
    loopback.close();
    loopback = new Loopback();
    for (int i = 0; i < 2; i++) System.gc();
  }

  @Override
  public void close() {
    loopback.close();
  }

  RStreamClient client(String url, TrafficCounter counter) {
    return client(url, counter, null);
  }

  RStreamClient client(String url, TrafficCounter counter, @Nullable LocalStore store) {
    OkHttpClient http =
        new OkHttpClient.Builder().addInterceptor(counter).readTimeout(0, TimeUnit.SECONDS).build();
    RStreamClient.Builder builder = RStreamClient.builder().streamUrl(url).okHttpClient(http);
    if (store != null) builder.store(store);
    return builder.build();
  }

  /** Subscribes to live() and waits for the first view holding {@code n} entities (caught up). */
  static StateView caughtUp(RStreamClient client, int n) {
    return client.live().filter(v -> v.size() >= n).timeout(300, TimeUnit.SECONDS).blockingFirst();
  }

  /** Waits until the store's live window reaches {@code offset}: it is written after emitting. */
  static void awaitStoredLive(LocalStore store, String url, Offset offset)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      LocalStore.StoredWindow live = store.liveWindow(url);
      List<Change> changes = live == null ? List.of() : live.changes();
      Offset end =
          changes.isEmpty()
              ? (live == null ? null : live.baseOffset())
              : changes.get(changes.size() - 1).offset();
      if (end != null && end.compareTo(offset) >= 0) return;
      check(System.nanoTime() < deadline, "store's live window ends at " + end + ", not " + offset);
      Thread.sleep(10); // polls a condition, with a deadline
    }
  }

  static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  static void check(boolean condition, String message) {
    if (!condition) throw new IllegalStateException(message);
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }

  static double millis(long nanos) {
    return nanos / 1e6;
  }

  static String count(int n) {
    if (n >= 1_000_000 && n % 1_000_000 == 0) return n / 1_000_000 + "M";
    if (n >= 1_000 && n % 1_000 == 0) return n / 1_000 + "k";
    return Integer.toString(n);
  }

  static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}
