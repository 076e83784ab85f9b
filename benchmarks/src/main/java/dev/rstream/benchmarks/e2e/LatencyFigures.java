package dev.rstream.benchmarks.e2e;

import static dev.rstream.benchmarks.e2e.SuiteKit.check;
import static dev.rstream.benchmarks.e2e.SuiteKit.millis;

import dev.rstream.Change;
import dev.rstream.RStreamClient;
import io.reactivex.rxjava3.disposables.CompositeDisposable;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Figure 2 of {@link EndToEndBenchmarks}, live latency: append (POST) to {@code onNext} on one
 * client with S subscribers to {@code live()}, sent open-loop. Not thread-safe.
 */
final class LatencyFigures {
  private final SuiteKit kit;

  LatencyFigures(SuiteKit kit) {
    this.kit = kit;
  }

  /** Adds the latency row for {@code subscribers} subscribers. */
  void measure(int subscribers) throws Exception {
    String url = kit.loopback().createStateStream("live-" + subscribers, 1_000);
    int warmup = kit.options().latencyWarmup;
    int measured = kit.options().latencyMessages;
    long[] samples = new long[subscribers * measured];
    AtomicInteger recorded = new AtomicInteger();
    CountDownLatch allReceived = new CountDownLatch(subscribers * measured);
    CountDownLatch caughtUp = new CountDownLatch(subscribers);
    AtomicLong duplicates = new AtomicLong();
    TrafficCounter counter = new TrafficCounter();
    try (RStreamClient client = kit.client(url, counter)) {
      CompositeDisposable subscriptions = new CompositeDisposable();
      for (int s = 0; s < subscribers; s++) {
        int[] lastSeq = {-1};
        boolean[] first = {true};
        subscriptions.add(
            client
                .live()
                .subscribe(
                    view -> {
                      long now = System.nanoTime();
                      if (first[0]) {
                        first[0] = false;
                        caughtUp.countDown();
                      }
                      Change change = view.change();
                      String value = change == null ? null : change.value();
                      if (value == null || !value.startsWith("{\"seq\":")) return;
                      int comma = value.indexOf(',');
                      int seq = Integer.parseInt(value.substring(7, comma));
                      long sent =
                          Long.parseLong(
                              value.substring(value.indexOf(':', comma) + 1, value.length() - 1));
                      if (seq <= lastSeq[0]) duplicates.incrementAndGet();
                      lastSeq[0] = seq;
                      if (seq < warmup) return;
                      samples[recorded.getAndIncrement()] = now - sent;
                      allReceived.countDown();
                    }));
      }
      check(caughtUp.await(60, TimeUnit.SECONDS), "subscribers did not catch up");
      long next = System.nanoTime();
      for (int seq = 0; seq < warmup + measured; seq++) {
        long wait = next - System.nanoTime();
        if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait); // open-loop pacing, not a hope
        next += TimeUnit.MILLISECONDS.toNanos(kit.options().latencyPacingMillis);
        kit.loopback()
            .post(
                url,
                "{\"type\":\"tick\",\"key\":\"t"
                    + (seq % 100)
                    + "\",\"value\":{\"seq\":"
                    + seq
                    + ",\"sent\":"
                    + System.nanoTime()
                    + "},\"headers\":{\"operation\":\"update\"}}");
      }
      check(
          allReceived.await(60, TimeUnit.SECONDS),
          "received " + recorded.get() + " of " + samples.length);
      subscriptions.dispose();
    }
    check(recorded.get() == samples.length, "recorded " + recorded.get() + " of " + samples.length);
    check(duplicates.get() == 0, duplicates.get() + " duplicate or reordered changes");
    Arrays.sort(samples);
    double p50 = millis(samples[samples.length / 2]);
    double p99 =
        millis(samples[(int) Math.min(samples.length - 1, Math.ceil(samples.length * 0.99) - 1)]);
    double max = millis(samples[samples.length - 1]);
    double goal = subscribers <= 1 ? 5 : 10;
    kit.add(
        new Figure(
            EndToEndBenchmarks.LATENCY,
            "append (POST) -> onNext, one client ("
                + counter.requests()
                + " requests: index, catch-up, 1 SSE)",
            subscribers + (subscribers == 1 ? " subscriber" : " subscribers"),
            String.format(
                Locale.ROOT,
                "p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d samples)",
                p50,
                p99,
                max,
                samples.length),
            String.format(Locale.ROOT, "p99 < %.0f ms", goal),
            p99 < goal));
  }
}
