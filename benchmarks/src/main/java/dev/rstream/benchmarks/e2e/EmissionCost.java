package dev.rstream.benchmarks.e2e;

import static dev.rstream.benchmarks.e2e.SuiteKit.count;

import dev.rstream.Change;
import dev.rstream.Progress;
import dev.rstream.RStreamClient;
import io.reactivex.rxjava3.disposables.CompositeDisposable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The StateView cost rows of figure 4 of {@link EndToEndBenchmarks}: the cost per change of one
 * append's emission on a caught-up client, at each state size, against the smallest. Not
 * thread-safe.
 */
final class EmissionCost {
  private final SuiteKit kit;
  private final List<double[]> emission = new ArrayList<>();
  private final AtomicInteger emissionRounds = new AtomicInteger();

  EmissionCost(SuiteKit kit) {
    this.kit = kit;
  }

  /** Records the cost per change measured on a client holding {@code entities}. */
  void add(int entities, double nanosPerChange) {
    emission.add(new double[] {entities, nanosPerChange});
  }

  /**
   * One POST of updates to a caught-up client: {@code live()} emits one view per append unit, so
   * the time from sending the POST to the {@code onNext} of that unit's view, divided by the unit's
   * changes, is the cost per change of reading, applying and emitting it (plus the server's append,
   * which does not grow with the client's state). Flat as the state grows is the goal.
   */
  double nanosPerChange(RStreamClient client, String url, int entities) throws Exception {
    int updates = Math.min(kit.options().emitUpdates, entities);
    // A fresh subscription first sees the held state, whose last change may be an earlier round's.
    String marker = "\"round\":" + emissionRounds.incrementAndGet() + ",";
    long[] at = new long[1];
    int[] changes = new int[1];
    CountDownLatch done = new CountDownLatch(1);
    CompositeDisposable subscriptions = new CompositeDisposable();
    subscriptions.add(
        client
            .live()
            .subscribe(
                view -> {
                  Change change = view.change();
                  if (change == null || change.value() == null || !change.value().contains(marker))
                    return;
                  at[0] = System.nanoTime();
                  changes[0] = view.changes().size();
                  done.countDown();
                }));
    // A live session that resumes held state first catches up; post only once this
    // subscription's session reports it is connected.
    client
        .progress()
        .filter(p -> p.live() == Progress.Live.CONNECTED)
        .timeout(60, TimeUnit.SECONDS)
        .blockingFirst();
    StringBuilder body = new StringBuilder().append('[');
    for (int k = 0; k < updates; k++) {
      if (k > 0) body.append(',');
      int key = (int) ((k * 7919L) % entities);
      body.append("{\"type\":\"order\",\"key\":\"o")
          .append(key)
          .append("\",\"value\":{\"id\":")
          .append(key)
          .append(',')
          .append(marker)
          .append("\"upd\":")
          .append(k)
          .append("},\"headers\":{\"operation\":\"update\"}}");
    }
    String json = body.append(']').toString();
    long sent = System.nanoTime();
    kit.loopback().post(url, json);
    SuiteKit.check(
        done.await(60, TimeUnit.SECONDS), "no view of the " + updates + "-update append");
    subscriptions.dispose();
    SuiteKit.check(
        changes[0] == updates,
        "the append's view holds " + changes[0] + " changes, expected " + updates);
    return (double) (at[0] - sent) / updates;
  }

  /** Adds one row per recorded size. */
  void addRows() {
    double first = emission.get(0)[1];
    for (double[] e : emission) {
      double growth = first == 0 ? 1 : e[1] / first;
      kit.add(
          new Figure(
              EndToEndBenchmarks.MEMORY,
              "cost per change of one "
                  + Math.min(kit.options().emitUpdates, (int) e[0])
                  + "-update append: POST to its live() StateView / changes",
              count((int) e[0]) + " entities",
              String.format(Locale.ROOT, "%.1f us/change (%.2fx the smallest)", e[1] / 1e3, growth),
              "flat (<= 2x the smallest)",
              growth <= 2.0));
    }
  }
}
