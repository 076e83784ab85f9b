package dev.rstream.benchmarks.disk;

import dev.rstream.server.storage.FileLogStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Append latency on one stream while server-stub's durable store compacts another, large one. A
 * stream of {@code --messages} messages (about 100 bytes each, {@code --unit} to a unit) is trimmed
 * to its last {@code --keep} percent and compacted, {@code --rounds} times (a new large stream each
 * round), while one writer appends one message at a time to a small stream. Prints the latency of
 * the appends that overlapped a compaction beside that of as many appends right after it, in the
 * same run. Run from the repository root:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.rstream.benchmarks.disk.CompactionAppendLatency \
 *   --messages 1000000 --unit 100 --keep 50 --rounds 3
 * </pre>
 */
public final class CompactionAppendLatency {
  private static final String SMALL = "bench/small";

  private CompactionAppendLatency() {}

  public static void main(String[] args) throws Exception {
    int messages = 1_000_000;
    int unit = 100;
    int keep = 50;
    int rounds = 3;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--messages" -> messages = Integer.parseInt(args[++i]);
        case "--unit" -> unit = Integer.parseInt(args[++i]);
        case "--keep" -> keep = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Path dir = Files.createTempDirectory("rstream-compaction-latency");
    List<Long> quiet = new ArrayList<>();
    List<Long> compacting = new ArrayList<>();
    List<Long> compactionMillis = new ArrayList<>();
    try (FileLogStore store = FileLogStore.open(dir)) {
      CompactionDisk.create(store, SMALL);
      for (int round = 0; round < rounds; round++) {
        String large = "bench/large-" + round;
        CompactionDisk.create(store, large);
        List<Long> unitEnds = CompactionDisk.fill(store, large, messages, unit);
        long cut = unitEnds.get(unitEnds.size() - 1 - unitEnds.size() * keep / 100);
        Appender appender = new Appender(store);
        appender.start();
        appender.awaitCount(20); // warmed up
        long start = System.nanoTime();
        store.trim(large, cut);
        store.compact(large).get(600, TimeUnit.SECONDS);
        long end = System.nanoTime();
        // As many appends after the compaction as overlapped it, so the quiet sample is as big.
        int during = appender.overlapping(start, end).size();
        appender.awaitCount(appender.count() + Math.max(during, 200));
        appender.stop();
        List<Long> overlapped = appender.overlapping(start, end);
        compacting.addAll(overlapped);
        quiet.addAll(appender.after(end, overlapped.size()));
        compactionMillis.add(TimeUnit.NANOSECONDS.toMillis(end - start));
      }
    } finally {
      CompactionDisk.deleteTree(dir);
    }
    System.out.printf(
        Locale.ROOT,
        "messages=%d unit=%d keep=%d%% rounds=%d, compaction %s ms%n",
        messages,
        unit,
        keep,
        rounds,
        compactionMillis);
    print("appends after a compaction (baseline)", quiet);
    print("appends during a compaction", compacting);
  }

  private static void print(String what, List<Long> nanos) {
    long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    if (sorted.length == 0) {
      System.out.printf(Locale.ROOT, "%s: none%n", what);
      return;
    }
    System.out.printf(
        Locale.ROOT,
        "%s: n=%d p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
        what,
        sorted.length,
        percentile(sorted, 50) / 1e6,
        percentile(sorted, 99) / 1e6,
        sorted[sorted.length - 1] / 1e6);
  }

  private static long percentile(long[] sorted, int p) {
    int at = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, at))];
  }

  /** One writer appending one message at a time to the small stream, timing each append. */
  private static final class Appender {
    private final FileLogStore store;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;
    private final Object lock = new Object();
    private long[] starts = new long[1 << 12]; // guarded by lock
    private long[] ends = new long[1 << 12]; // guarded by lock
    private int count; // guarded by lock
    private volatile Throwable failure;

    Appender(FileLogStore store) {
      this.store = store;
      this.thread = new Thread(this::run, "appender");
    }

    void start() {
      thread.start();
    }

    private void run() {
      byte[] body = CompactionDisk.message(0);
      try {
        while (!stop.get()) {
          long start = System.nanoTime();
          store.append(SMALL, List.of(body), null, false).get(600, TimeUnit.SECONDS);
          long end = System.nanoTime();
          synchronized (lock) {
            if (count == starts.length) {
              starts = Arrays.copyOf(starts, count * 2);
              ends = Arrays.copyOf(ends, count * 2);
            }
            starts[count] = start;
            ends[count] = end;
            count++;
            lock.notifyAll();
          }
        }
      } catch (Throwable e) {
        failure = e;
        synchronized (lock) {
          lock.notifyAll();
        }
      }
    }

    int count() {
      synchronized (lock) {
        return count;
      }
    }

    void awaitCount(int n) throws InterruptedException {
      synchronized (lock) {
        while (count < n) {
          if (failure != null) throw new IllegalStateException("append failed", failure);
          lock.wait(1000);
        }
      }
    }

    void stop() throws InterruptedException {
      stop.set(true);
      thread.join();
      if (failure != null) throw new IllegalStateException("append failed", failure);
    }

    /** Latencies of the appends that were in flight at some time in {@code [from, to]}. */
    List<Long> overlapping(long from, long to) {
      List<Long> out = new ArrayList<>();
      synchronized (lock) {
        for (int i = 0; i < count; i++) {
          if (ends[i] >= from && starts[i] <= to) out.add(ends[i] - starts[i]);
        }
      }
      return out;
    }

    /** Latencies of the first {@code n} appends that started after {@code to}. */
    List<Long> after(long to, int n) {
      List<Long> out = new ArrayList<>();
      synchronized (lock) {
        for (int i = 0; i < count && out.size() < n; i++) {
          if (starts[i] > to) out.add(ends[i] - starts[i]);
        }
      }
      return out;
    }
  }
}
