package dev.rstream.benchmarks.e2e;

import dev.rstream.Change;
import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import dev.rstream.RetryPolicy;
import dev.rstream.SqliteStore;
import dev.rstream.StateView;
import dev.rstream.server.StubServer;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.disposables.Disposable;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The durable outbox: how soon an offline append shows in {@code live()} (p50/p99), what one append
 * costs in the SQLite store (bytes, time), how fast the outbox flushes after reconnecting
 * (changes/s), beside appends online through the outbox and through the in-memory producer (no
 * store). A server-stub on a fixed loopback port with a data directory is stopped to take the app
 * offline and started again on the same port.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.rstream.benchmarks.e2e.OutboxBenchmark
 * [--changes 1000]}
 */
public final class OutboxBenchmark {
  private static final MediaType JSON = MediaType.get("application/json");

  private OutboxBenchmark() {}

  public static void main(String[] args) throws Exception {
    int changes = 1000;
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--changes")) changes = Integer.parseInt(args[i + 1]);
    }
    Path dir = Files.createTempDirectory("outbox-bench");
    OkHttpClient http = new OkHttpClient();
    StubServer server = StubServer.builder().dataDir(dir.resolve("server")).build().start();
    int port = server.port();
    try {
      // A warm-up round for the JIT, not reported.
      server = offlineThenFlush(http, dir, server, port, "warmup", Math.min(changes, 100), false);
      server = offlineThenFlush(http, dir, server, port, "offline", changes, true);
      online(http, server, dir, changes);
    } finally {
      server.close();
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  private static StubServer restartedServer(Path dir, int port) throws IOException {
    return StubServer.builder().dataDir(dir.resolve("server")).port(port).build().start();
  }

  private static String create(OkHttpClient http, StubServer server, String path)
      throws IOException {
    String url = server.streamUrl(path);
    Request request =
        new Request.Builder()
            .url(url)
            .header("Rstream-Keyframes", "changes=1000000, interval=24h")
            .put(RequestBody.create(new byte[0], JSON))
            .build();
    try (Response response = http.newCall(request).execute()) {
      if (!response.isSuccessful()) throw new IOException("PUT " + url + ": " + response.code());
    }
    return url;
  }

  private static RetryPolicy quickRetries() {
    return RetryPolicy.builder()
        .initialDelay(10, TimeUnit.MILLISECONDS)
        .maxDelay(100, TimeUnit.MILLISECONDS)
        .build();
  }

  /** Appends offline, measuring the time to the live view; then reconnects and times the flush. */
  private static StubServer offlineThenFlush(
      OkHttpClient http,
      Path dir,
      StubServer server,
      int port,
      String name,
      int changes,
      boolean report)
      throws Exception {
    String url = create(http, server, "bench/" + name);
    File file = dir.resolve(name + ".db").toFile();
    try (SqliteStore store = SqliteStore.open(file)) {
      RStreamClient client =
          RStreamClient.builder()
              .streamUrl(url)
              .okHttpClient(http)
              .store(store)
              .retryPolicy(quickRetries())
              .build();
      // Each view with the time it reached the subscriber: visibility is measured there.
      AtomicReference<Seen> last = new AtomicReference<>();
      Disposable live =
          client.live().subscribe(view -> last.set(new Seen(view, System.nanoTime())));
      Offset first = client.append(Change.update("item", "seed", "{}")).blockingGet();
      client.awaitOffset(first).blockingAwait();
      server.close(); // offline

      long bytesBefore = storeBytes(file);
      long[] visible = new long[changes];
      long[] appendCall = new long[changes];
      for (int i = 0; i < changes; i++) {
        String key = "k" + (i % 100);
        String value = "{\"n\":" + i + "}";
        long t0 = System.nanoTime();
        client.append(Change.update("item", key, value));
        long t1 = System.nanoTime();
        Seen seen;
        while (true) {
          seen = last.get();
          if (seen != null && value.equals(seen.view.json("item", key))) break;
          Thread.onSpinWait();
        }
        visible[i] = seen.atNanos - t0;
        appendCall[i] = t1 - t0;
      }
      long bytes = storeBytes(file) - bytesBefore;

      StubServer back = restartedServer(dir, port);
      long f0 = System.nanoTime();
      client.connectivity().networkAvailable(); // the platform's sign of a network
      client.outboxSize().filter(n -> n == 0).firstOrError().blockingGet();
      long flushNanos = System.nanoTime() - f0;
      live.dispose();
      client.close();
      if (report) {
        Arrays.sort(visible);
        long[] returned = appendCall.clone();
        Arrays.sort(returned);
        System.out.printf(
            Locale.ROOT,
            "%,d offline appends (one update each, over 100 entities), SQLite store%n",
            changes);
        printPercentiles("append -> visible in live() offline", visible);
        printPercentiles("append -> returned (its outbox row committed)", returned);
        System.out.printf(
            Locale.ROOT,
            "outbox cost per change: %.0f bytes of store file (db + wal), %.3f ms per append call"
                + " (mean, the store write included)%n",
            (double) bytes / changes,
            Arrays.stream(appendCall).average().orElse(0) / 1e6);
        System.out.printf(
            Locale.ROOT,
            "flush after reconnecting: %,d changes in %.2f s = %,.0f changes/s%n",
            changes,
            flushNanos / 1e9,
            changes / (flushNanos / 1e9));
      }
      return back;
    }
  }

  /** A view and when its subscriber got it. */
  private static final class Seen {
    final StateView view;
    final long atNanos;

    Seen(StateView view, long atNanos) {
      this.view = view;
      this.atNanos = atNanos;
    }
  }

  /** Prints {@code what}'s p50, p99 and max of the sorted {@code nanos}, in milliseconds. */
  private static void printPercentiles(String what, long[] nanos) {
    int n = nanos.length;
    System.out.printf(
        Locale.ROOT,
        "%s: p50 %.3f ms, p99 %.3f ms, max %.3f ms%n",
        what,
        nanos[n / 2] / 1e6,
        nanos[(int) (n * 0.99)] / 1e6,
        nanos[n - 1] / 1e6);
  }

  private static long storeBytes(File file) {
    return file.length() + new File(file.getPath() + "-wal").length();
  }

  /** Appends online: through the outbox, and through the in-memory producer (no store). */
  private static void online(OkHttpClient http, StubServer server, Path dir, int changes)
      throws Exception {
    try (SqliteStore store = SqliteStore.open(dir.resolve("online.db").toFile())) {
      String url = create(http, server, "bench/online-outbox");
      RStreamClient client =
          RStreamClient.builder().streamUrl(url).okHttpClient(http).store(store).build();
      System.out.printf(
          Locale.ROOT,
          "online append through the outbox: %,.0f changes/s%n",
          rate(client, changes));
      client.close();
    }
    String url = create(http, server, "bench/online-memory");
    RStreamClient client = RStreamClient.builder().streamUrl(url).okHttpClient(http).build();
    System.out.printf(
        Locale.ROOT,
        "online append without a store (in-memory producer, batches coalesced): %,.0f changes/s%n",
        rate(client, changes));
    client.close();
  }

  /** Appends {@code changes} at once, then waits for every acknowledgement; changes per second. */
  private static double rate(RStreamClient client, int changes) {
    long t0 = System.nanoTime();
    List<Single<Offset>> results = new ArrayList<>(changes);
    for (int i = 0; i < changes; i++) {
      results.add(
          client.append(Change.update("item", "k" + (i % 100), "{\"n\":" + i + "}")).cache());
    }
    for (Single<Offset> result : results) result.subscribe();
    Single.merge(results).ignoreElements().blockingAwait();
    return changes / ((System.nanoTime() - t0) / 1e9);
  }
}
