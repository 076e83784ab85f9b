package dev.rstream.examples;

import dev.rstream.Offset;
import dev.rstream.Progress;
import dev.rstream.RStreamClient;
import dev.rstream.SqliteStore;
import dev.rstream.StateView;
import dev.rstream.WindowInfo;
import dev.rstream.WindowState;
import dev.rstream.durable.DurableStream;
import dev.rstream.server.StubServer;
import dev.rstream.server.workload.Workload;
import io.reactivex.rxjava3.disposables.CompositeDisposable;
import io.reactivex.rxjava3.disposables.Disposable;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * The rstream story on a terminal: a producer writes an order book's history, a client asks for the
 * state at three past times, three live subscribers share one connection, and the server restarts
 * under them without a message fetched twice; then the app itself restarts on its SQLite store and
 * shows its last state at once.
 *
 * <p>Runs against an embedded {@link StubServer} with its durable file log in a temporary
 * directory; {@code --url URL} points it at a running server instead (then the restart step is
 * skipped). {@code --changes N} sets how much history the producer writes.
 */
public final class Demo {
  /** One simulated minute of order-book history per change. */
  private static final Duration STEP = Duration.ofMinutes(1);

  private static final Duration WAIT = Duration.ofSeconds(30);

  private final PrintStream out;
  private final boolean terminal;
  private final int changes;
  private final int keyframeEvery;

  /**
   * A demo that tells its story on {@code out}; {@code terminal} says whether {@code out} is a
   * terminal, where progress can be a bar that redraws itself.
   */
  Demo(PrintStream out, boolean terminal, int changes, int keyframeEvery) {
    this.out = out;
    this.terminal = terminal;
    this.changes = changes;
    this.keyframeEvery = keyframeEvery;
  }

  public static void main(String[] args) throws Exception {
    // The embedded server's start-up chatter would bury the story.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    String url = null;
    int changes = 3000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--url" -> url = args[++i];
        case "--changes" -> changes = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: demo [--url SERVER_URL] [--changes N]");
          System.exit(2);
        }
      }
    }
    Demo demo =
        new Demo(System.out, StepProgress.isTerminal(), changes, Math.max(10, changes / 12));
    if (url != null) {
      demo.run(URI.create(url), null);
      return;
    }
    Path data = Files.createTempDirectory("rstream-demo");
    demo.runEmbedded(data);
  }

  /** Runs the whole story against an embedded server whose log lives in {@code data}. */
  void runEmbedded(Path data) throws Exception {
    StubServer server = StubServer.builder().dataDir(data).build().start();
    out.printf("server-stub on %s, durable log in %s%n", server.url(), data);
    Restartable restartable = new Restartable(server, data);
    try {
      run(URI.create(server.url()), restartable);
    } finally {
      restartable.current.close();
    }
  }

  /** Holds the embedded server so that step 4 can stop it and start it again on the same port. */
  private static final class Restartable {
    StubServer current;
    final Path data;

    Restartable(StubServer current, Path data) {
      this.current = current;
      this.data = data;
    }

    void restart() throws IOException {
      int port = current.port();
      current.close();
      current = StubServer.builder().dataDir(data).port(port).build().start();
    }
  }

  void run(URI base, @Nullable Restartable embedded) throws Exception {
    URI streamUrl = base.resolve("/v1/stream/demo/orders-" + System.currentTimeMillis());

    // 1. History: one change a simulated minute, keyframes every few hundred changes.
    out.printf(
        "%n1. A producer writes %,d order-book changes, one simulated minute apart%n", changes);
    // History starts a moment from now: a state stream refuses changes stamped before it exists.
    Instant first = Instant.now().plusSeconds(10).truncatedTo(ChronoUnit.SECONDS);
    Workload producer =
        Workload.builder()
            .streamUrl(streamUrl)
            .seed(42)
            .rate(5_000)
            .count(changes)
            .simulatedClock(first, STEP)
            .keyframePolicy(policy())
            .build();
    long started = System.nanoTime();
    producer.run();
    out.printf("   %,d changes acknowledged in %d ms%n", changes, millisSince(started));

    // The history's timestamps run ahead of the wall clock; the client's clock stands at its end,
    // so that the times asked for below are in its past.
    Instant end = first.plus(STEP.multipliedBy(changes));
    Clock demoClock = Clock.offset(Clock.systemUTC(), Duration.between(Instant.now(), end));

    Path storeFile = Files.createTempDirectory("rstream-demo-store").resolve("rstream.db");
    try (SqliteStore store = SqliteStore.open(storeFile.toFile());
        RStreamClient client =
            RStreamClient.builder()
                .streamUrl(streamUrl.toString())
                .clock(demoClock)
                .store(store)
                .build()) {
      // 2. Time seek: three past times, each answered from the one window that covers it.
      out.printf("%n2. The state at three past times%n");
      for (double fraction : new double[] {0.1, 0.5, 0.85}) {
        Instant at = first.plus(Duration.ofSeconds((long) (changes * STEP.toSeconds() * fraction)));
        StateView view = client.window(at).blockingLast();
        out.printf(
            "   at %s: %d orders, %d customers (offset %s, window %s)%n",
            at,
            view.entities("order").size(),
            view.entities("customer").size(),
            view.offset().value(),
            view.windowId());
        printWindows(client.windows().blockingFirst());
      }

      // The whole history, replayed in order: every window is fetched once, with its progress.
      out.printf("%n   Replaying the whole history with changes(from, to)%n");
      long replayed;
      try (StepProgress progress = StepProgress.create(out, terminal, "   history", changes)) {
        replayed =
            client.changes(first, end).doOnNext(change -> progress.step()).count().blockingGet();
      }
      out.printf("   %,d changes replayed in order%n", replayed);
      printWindows(client.windows().blockingFirst());
      firstSync(streamUrl, demoClock);

      // 3. Three live subscribers, one connection.
      out.printf("%n3. Three live subscribers attach%n");
      CompositeDisposable subscribers = new CompositeDisposable();
      BlockingQueue<String> arrivals = new LinkedBlockingQueue<>();
      for (int i = 1; i <= 3; i++) {
        String name = "subscriber " + i;
        subscribers.add(
            client
                .live()
                // The first view is the state as the subscriber attaches (its changes() are the
                // last ones applied before); every later view is one new append.
                .skip(1)
                .subscribe(
                    view -> view.changes().forEach(change -> arrivals.add(name + " <- " + change)),
                    error -> arrivals.add(name + " failed: " + error)));
      }
      awaitLive(client);
      if (embedded != null) {
        out.printf(
            "   live connections held by the server: %d%n", awaitLiveReaders(embedded.current));
      }
      Workload more =
          Workload.builder()
              .streamUrl(streamUrl)
              .seed(7)
              .rate(20)
              .count(5)
              .simulatedClock(end, STEP)
              .keyframePolicy(policy())
              .build();
      more.run();
      printArrivals(arrivals, 15);

      // 4. The server goes away and comes back; nothing is fetched twice.
      if (embedded != null) {
        out.printf("%n4. The server stops and starts again under the subscribers%n");
        embedded.restart();
        Workload after =
            Workload.builder()
                .streamUrl(streamUrl)
                .seed(8)
                .rate(20)
                .count(5)
                .simulatedClock(end.plus(STEP.multipliedBy(10)), STEP)
                .keyframePolicy(policy())
                .build();
        after.run();
        int arrived = printArrivals(arrivals, 15);
        out.printf(
            "   the producer appended 5 after the restart; the 3 subscribers received %d changes"
                + " (nothing fetched twice, nothing missed)%n",
            arrived);
        out.printf(
            "   live connections held by the server: %d%n", awaitLiveReaders(embedded.current));
      }
      subscribers.dispose();
    }

    // 5. The app restarts on its SQLite store: the last state at once, then only what is new.
    out.printf(
        "%n5. The client is closed, 5 changes land meanwhile, and it reopens on its SQLite store%n");
    Workload whileAway =
        Workload.builder()
            .streamUrl(streamUrl)
            .seed(9)
            .rate(50)
            .count(5)
            .simulatedClock(end.plus(STEP.multipliedBy(20)), STEP)
            .keyframePolicy(policy())
            .build();
    whileAway.run();
    Traffic traffic = new Traffic();
    OkHttpClient counted = new OkHttpClient.Builder().eventListener(traffic).build();
    try (SqliteStore store = SqliteStore.open(storeFile.toFile());
        RStreamClient reopened =
            RStreamClient.builder()
                .streamUrl(streamUrl.toString())
                .clock(demoClock)
                .store(store)
                .okHttpClient(counted)
                .build()) {
      long opened = System.nanoTime();
      StateView stored = reopened.live().firstOrError().blockingGet();
      out.printf(
          "   first state after %d ms: %d orders at offset %s, from the store: %s%n",
          millisSince(opened),
          stored.entities("order").size(),
          stored.offset().value(),
          stored.fromStore());
      Offset tail = tail(streamUrl);
      StateView caughtUp =
          reopened
              .live()
              .filter(v -> v.offset().compareTo(tail) >= 0)
              .firstOrError()
              .timeout(WAIT.toSeconds(), TimeUnit.SECONDS)
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

  /**
   * A second client, with no store, reads the current state for the first time; its {@code
   * progress()} fills the bar: bytes of the live window up to the server's tail.
   */
  private void firstSync(URI streamUrl, Clock clock) {
    out.printf("%n   A new client with no store syncs for the first time: state()%n");
    StateView synced;
    try (RStreamClient fresh =
            RStreamClient.builder().streamUrl(streamUrl.toString()).clock(clock).build();
        StepProgress bar = StepProgress.create(out, terminal, "   first sync", 100)) {
      Disposable shown =
          fresh
              .progress()
              .subscribe(
                  p -> {
                    Progress.CatchUp catchUp = p.catchUp();
                    if (catchUp != null) bar.reached(Math.round(catchUp.fraction() * 100));
                  });
      synced = fresh.state().timeout(WAIT.toSeconds(), TimeUnit.SECONDS).blockingGet();
      shown.dispose();
    }
    out.printf(
        "   synced: %d orders at offset %s%n",
        synced.entities("order").size(), synced.offset().value());
  }

  private String policy() {
    return "changes=" + keyframeEvery + ", interval=3600s";
  }

  private void printWindows(List<WindowInfo> windows) {
    if (windows.size() > 4) {
      // A long set reads better as a count per state and its overall bounds.
      Map<WindowState, Long> byState = new EnumMap<>(WindowState.class);
      for (WindowInfo window : windows) byState.merge(window.state(), 1L, Long::sum);
      WindowInfo first = windows.get(0);
      WindowInfo last = windows.get(windows.size() - 1);
      out.printf(
          "   windows: %d %s, from %s to %s%n",
          windows.size(),
          byState,
          first.start() == null || !first.start().hasTimestamp() ? "-" : first.start().timestamp(),
          last.end() == null ? "live" : last.end().timestamp());
      return;
    }
    StringBuilder line = new StringBuilder("   windows:");
    for (WindowInfo window : windows) {
      line.append(' ')
          .append(window.state())
          .append('[')
          .append(
              window.start() == null || !window.start().hasTimestamp()
                  ? "-"
                  : window.start().timestamp())
          .append(" .. ")
          .append(window.end() == null ? "live" : window.end().timestamp())
          .append(')');
    }
    out.println(line);
  }

  /** Prints the expected arrivals as they come and returns how many came, plus any extra ones. */
  private int printArrivals(BlockingQueue<String> arrivals, int expected)
      throws InterruptedException {
    int arrived = 0;
    for (; arrived < expected; arrived++) {
      String arrival = arrivals.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      if (arrival == null) {
        out.printf("   (only %d of %d arrivals within %s)%n", arrived, expected, WAIT);
        return arrived;
      }
      out.println("   " + arrival);
    }
    // A duplicate would show up here as an extra arrival.
    for (String extra; (extra = arrivals.poll(200, TimeUnit.MILLISECONDS)) != null; arrived++) {
      out.println("   unexpected: " + extra);
    }
    return arrived;
  }

  private static void awaitLive(RStreamClient client) {
    client
        .progress()
        .filter(p -> p.live() == Progress.Live.CONNECTED)
        .firstOrError()
        .timeout(WAIT.toSeconds(), TimeUnit.SECONDS)
        .blockingGet();
  }

  /**
   * The server's count of parked live readers once it has one: the cursor reports CONNECTED when
   * its request is sent, a moment before the server parks it.
   */
  /**
   * The server's count of live readers once it is one (the demo's clients share one live
   * connection), or whatever it is after {@code WAIT}. A client closed just before (the first-sync
   * client) has closed its socket, but the server notices that on its own time.
   */
  private static int awaitLiveReaders(StubServer server) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (server.liveReaders() != 1 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return server.liveReaders();
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

  /** The stream's current tail, as the server says. */
  private static Offset tail(URI streamUrl) {
    Offset next =
        DurableStream.builder().url(streamUrl.toString()).build().head().blockingGet().nextOffset();
    if (next == null) throw new IllegalStateException("no Stream-Next-Offset from " + streamUrl);
    return next;
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }
}
