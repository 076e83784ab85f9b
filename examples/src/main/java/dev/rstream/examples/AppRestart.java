package dev.rstream.examples;

import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import dev.rstream.SqliteStore;
import dev.rstream.StateView;
import dev.rstream.durable.DurableStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * Step 5 of the demo: the app reopens on its SQLite store, shows its last state at once, then
 * fetches only what landed while it was closed, with the requests and bytes that took.
 */
final class AppRestart {
  private final PrintStream out;
  private final URI streamUrl;
  private final Clock clock;

  AppRestart(PrintStream out, URI streamUrl, Clock clock) {
    this.out = out;
    this.streamUrl = streamUrl;
    this.clock = clock;
  }

  /** Reopens on {@code storeFile}, which holds a {@code changes}-change history, and catches up. */
  void reopen(Path storeFile, int changes) {
    Traffic traffic = new Traffic();
    OkHttpClient counted = new OkHttpClient.Builder().eventListener(traffic).build();
    try (SqliteStore store = SqliteStore.open(storeFile.toFile());
        RStreamClient reopened =
            RStreamClient.builder()
                .streamUrl(streamUrl.toString())
                .clock(clock)
                .store(store)
                .okHttpClient(counted)
                .build()) {
      long opened = System.nanoTime();
      StateView stored = reopened.live().firstOrError().blockingGet();
      out.printf(
          "   first state after %d ms: %d orders at offset %s, from the store: %s%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened),
          stored.entities("order").size(),
          stored.offset().value(),
          stored.fromStore());
      Offset tail = tail();
      StateView caughtUp =
          reopened
              .live()
              .filter(v -> v.offset().compareTo(tail) >= 0)
              .firstOrError()
              .timeout(Demo.WAIT.toSeconds(), TimeUnit.SECONDS)
              .blockingGet();
      out.printf(
          "   caught up to the server's tail %s: %d requests, %,d bytes of finished responses on the wire"
              + " (the 5 new changes; the %,d-change history came from the store)%n",
          caughtUp.offset().value(), traffic.requests.get(), traffic.bytes.get(), changes);
      out.printf(
          "%nFinal state: %d orders, %d customers%n",
          caughtUp.entities("order").size(), caughtUp.entities("customer").size());
    } finally {
      // The demo built this HTTP client, so it releases it: its idle dispatcher threads would keep
      // the JVM alive for a minute (the rstream client leaves an app's own HTTP client alone).
      counted.dispatcher().executorService().shutdown();
      counted.connectionPool().evictAll();
    }
  }

  /** The stream's current tail, as the server says. */
  private Offset tail() {
    Offset next =
        DurableStream.builder().url(streamUrl.toString()).build().head().blockingGet().nextOffset();
    if (next == null) throw new IllegalStateException("no Stream-Next-Offset from " + streamUrl);
    return next;
  }

  /** Counts the requests a client makes and the response body bytes it reads. */
  private static final class Traffic extends EventListener {
    final AtomicLong requests = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();

    @Override
    public void requestHeadersEnd(Call call, Request request) {
      requests.incrementAndGet();
    }

    @Override
    public void responseBodyEnd(Call call, long byteCount) {
      bytes.addAndGet(byteCount);
    }
  }
}
