package dev.rstream.android;

import static org.junit.Assume.assumeTrue;

import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import io.reactivex.rxjava3.disposables.Disposable;
import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;

/**
 * A benchmark, not a test (its name keeps it out of the test run): time to the first stored state
 * on a restart, on {@link AndroidSqliteStore} under Robolectric, against the stream that the
 * benchmarks module's {@code StoreStartup --serve-seconds S} serves: a client on an empty store
 * catches up (the live cursor reads the index and the last window) and closes, then each run opens
 * the store and a client and waits for the first {@code live()} view ({@code fromStore()}), as
 * {@code StoreStartup} does on {@code SqliteStore}. Robolectric runs Android's SQLite classes over
 * a host SQLite on the JVM: its timing is not a phone's.
 *
 * <p>Run: {@code mvn -o -pl android -am test -Dtest=AndroidStoreStartupBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false -Dstartup.url=URL}.
 */
@RunWith(RobolectricTestRunner.class)
public class AndroidStoreStartupBenchmark {
  private static final int RUNS = 7;

  @Test
  public void timeToTheFirstStoredState() throws Exception {
    String url = System.getProperty("startup.url");
    assumeTrue("-Dstartup.url names the stream StoreStartup serves", url != null);
    File file = new File(RuntimeEnvironment.getApplication().getNoBackupFilesDir(), "startup.db");
    try (AndroidSqliteStore store =
            AndroidSqliteStore.builder().file(file).maxWindowBytes(1L << 40).build();
        RStreamClient client = RStreamClient.builder().streamUrl(url).store(store).build()) {
      Disposable live = client.live().subscribe(v -> {}, e -> {});
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        // The store is written after emitting: wait for its live window, polling with a deadline.
        while (store.liveWindow(url) == null) {
          if (System.nanoTime() > deadline) throw new IllegalStateException("no live window");
          Thread.sleep(10);
        }
      } finally {
        live.dispose();
      }
    }

    List<Double> millis = new ArrayList<>();
    int entities = -1;
    for (int run = 0; run < RUNS; run++) {
      long start = System.nanoTime();
      try (AndroidSqliteStore store =
              AndroidSqliteStore.builder().file(file).maxWindowBytes(1L << 40).build();
          RStreamClient client = RStreamClient.builder().streamUrl(url).store(store).build()) {
        StateView first = client.live().timeout(60, TimeUnit.SECONDS).blockingFirst();
        millis.add((System.nanoTime() - start) / 1e6);
        if (!first.fromStore()) throw new IllegalStateException("the first view was not stored");
        entities = first.size();
      }
    }
    List<Double> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    System.out.printf(
        Locale.ROOT,
        "AndroidSqliteStore (Robolectric), %d entities: time to the first stored state median %.1f"
            + " ms (min %.1f, max %.1f, %d runs; the first in a fresh sandbox: %.1f)%n",
        entities,
        sorted.get(sorted.size() / 2),
        sorted.get(0),
        sorted.get(sorted.size() - 1),
        sorted.size(),
        millis.get(0));
  }
}
