package dev.rstream.benchmarks.e2e;

import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.disposables.CompositeDisposable;
import io.reactivex.rxjava3.schedulers.Schedulers;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a subscriber costs the client per append that does not concern it: {@code live(type, key)}
 * on an entity no append touches, beside {@code live(type)} on a type no append touches and {@code
 * live()}, which every append wakes. An in-process server-stub (memory store) on loopback holds a
 * state stream of N orders; a client whose every read and emission runs on one thread of its own
 * (its scheduler) has S subscribers of one kind; M appends, one update of another order per POST,
 * each reach the client as one live state. The figure is that thread's CPU time over the M appends,
 * less the same with no subscriber, divided by S x M. Keyframes are off (their cost is a walk of
 * the type's entities per {@code live(type)} subscriber, not measured here).
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar
 * dev.rstream.benchmarks.e2e.SubsetViewBenchmark [--entities 10000] [--appends 1000] [--subscribers
 * 5000] [--runs 3]}
 */
public final class SubsetViewBenchmark {
  private SubsetViewBenchmark() {}

  enum Kind {
    NONE("no subscriber (baseline)"),
    LIVE("live(): woken by every append"),
    TYPE("live(\"customer\"): a type no append touches"),
    KEY("live(\"order\", \"o-watched\"): an entity no append touches");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  public static void main(String[] args) throws Exception {
    int entities = intArg(args, "--entities", 10_000);
    int appends = intArg(args, "--appends", 1_000);
    int subscribers = intArg(args, "--subscribers", 5_000);
    int runs = intArg(args, "--runs", 3);
    System.out.printf(
        Locale.ROOT,
        "%,d orders, %,d appends (one update per POST), %,d subscribers, best of %d runs%n",
        entities,
        appends,
        subscribers,
        runs);
    long[][] cpu = new long[Kind.values().length][runs];
    long[] wakes = new long[Kind.values().length];
    try (Loopback loopback = new Loopback()) {
      // A first round for the JIT, not counted.
      for (Kind kind : Kind.values()) measure(loopback, kind, -1, entities, appends, subscribers);
      for (int run = 0; run < runs; run++) {
        for (Kind kind : Kind.values()) {
          long[] measured = measure(loopback, kind, run, entities, appends, subscribers);
          cpu[kind.ordinal()][run] = measured[0];
          wakes[kind.ordinal()] = measured[1];
        }
      }
    }
    long base = best(cpu[Kind.NONE.ordinal()]);
    System.out.println();
    System.out.println(
        "| subscribers | wakes per subscriber | client thread CPU per append | per subscriber per"
            + " unrelated append |");
    System.out.println("|---|---|---|---|");
    for (Kind kind : Kind.values()) {
      long best = best(cpu[kind.ordinal()]);
      String marginal =
          kind == Kind.NONE
              ? "-"
              : String.format(
                  Locale.ROOT, "%.0f ns", (best - base) / (double) subscribers / appends);
      System.out.printf(
          Locale.ROOT,
          "| %s x %s | %s | %.1f us | %s |%n",
          kind == Kind.NONE ? "0" : String.format(Locale.ROOT, "%,d", subscribers),
          kind.label,
          kind == Kind.NONE ? "-" : String.format(Locale.ROOT, "%,d", wakes[kind.ordinal()]),
          best / 1000.0 / appends,
          marginal);
    }
  }

  /** One run: the client thread's CPU nanoseconds over the appends, and one subscriber's wakes. */
  static long[] measure(
      Loopback loopback, Kind kind, int run, int entities, int appends, int subscribers)
      throws Exception {
    String url = loopback.createStateStream("subset/" + kind + "-" + (run + 1), Integer.MAX_VALUE);
    loopback.populate(url, entities, 5_000, OrderHistory::orderInsert);
    Offset populated = Offset.of(loopback.post(url, update(0)));
    // Never shut down (a timer the closed client left would be refused): an idle daemon thread.
    ExecutorService thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "client");
              t.setDaemon(true);
              return t;
            });
    long threadId = thread.submit(() -> Thread.currentThread().getId()).get();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    CompositeDisposable subscriptions = new CompositeDisposable();
    try (RStreamClient client =
        RStreamClient.builder()
            .streamUrl(url)
            .okHttpClient(loopback.http())
            .scheduler(Schedulers.from(thread))
            .liveLinger(0, TimeUnit.SECONDS)
            .build()) {
      AtomicLong woken = new AtomicLong();
      int count = kind == Kind.NONE ? 0 : subscribers;
      for (int i = 0; i < count; i++) {
        subscriptions.add(subscribe(client, kind).subscribe(v -> woken.incrementAndGet()));
      }
      // Subscribed last, so it hears each state after every subscriber above has.
      AtomicReference<Offset> latest = new AtomicReference<>(Offset.START);
      subscriptions.add(client.live().subscribe(view -> latest.set(view.offset())));
      awaitOffset(latest, populated);
      long before = woken.get();
      long cpu0 = threads.getThreadCpuTime(threadId);
      String offset = null;
      for (int a = 1; a <= appends; a++)
        offset = loopback.post(url, update(1 + a % (entities - 1)));
      awaitOffset(latest, Offset.of(offset));
      long cpu = threads.getThreadCpuTime(threadId) - cpu0;
      long wakes = count == 0 ? 0 : (woken.get() - before) / count;
      System.out.printf(
          Locale.ROOT,
          "run %d %-5s %8.1f us/append, %,d wakes per subscriber%n",
          run + 1,
          kind,
          cpu / 1000.0 / appends,
          wakes);
      return new long[] {cpu, wakes};
    } finally {
      subscriptions.dispose();
    }
  }

  private static Flowable<?> subscribe(RStreamClient client, Kind kind) {
    switch (kind) {
      case LIVE:
        return client.live();
      case TYPE:
        return client.live("customer");
      default:
        return client.live("order", "o-watched");
    }
  }

  /** An update of order {@code i}, as the populated orders are. */
  private static String update(int i) {
    return OrderHistory.orderInsert(i).replace("\"insert\"", "\"update\"");
  }

  /** Waits until the last subscriber has seen {@code offset}; polling costs the client nothing. */
  private static void awaitOffset(AtomicReference<Offset> latest, Offset offset)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (latest.get().compareTo(offset) < 0) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("never saw " + offset);
      Thread.sleep(1);
    }
  }

  private static long best(long[] values) {
    return Arrays.stream(values).min().orElseThrow();
  }

  private static int intArg(String[] args, String name, int fallback) {
    List<String> list = new ArrayList<>(Arrays.asList(args));
    int i = list.indexOf(name);
    return i >= 0 && i + 1 < list.size() ? Integer.parseInt(list.get(i + 1)) : fallback;
  }
}
