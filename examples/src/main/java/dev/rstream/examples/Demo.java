package dev.rstream.examples;

import dev.rstream.Progress;
import dev.rstream.RStreamClient;
import dev.rstream.SqliteStore;
import dev.rstream.StateView;
import dev.rstream.server.StubServer;
import dev.rstream.server.workload.Workload;
import io.reactivex.rxjava3.disposables.CompositeDisposable;
import io.reactivex.rxjava3.disposables.Disposable;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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

  /** The longest the demo waits for anything. */
  static final Duration WAIT = Duration.ofSeconds(30);

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
    try (EmbeddedServer server = EmbeddedServer.start(data)) {
      out.printf("server-stub on %s, durable log in %s%n", server.url(), data);
      run(URI.create(server.url()), server);
    }
  }

  void run(URI base, @Nullable EmbeddedServer embedded) throws Exception {
    URI streamUrl = base.resolve("/v1/stream/demo/orders-" + System.currentTimeMillis());

    // 1. History: one change a simulated minute, keyframes every few hundred changes.
    out.printf(
        "%n1. A producer writes %,d order-book changes, one simulated minute apart%n", changes);
    // History starts a moment from now: a state stream refuses changes stamped before it exists.
    Instant first = Instant.now().plusSeconds(10).truncatedTo(ChronoUnit.SECONDS);
    long started = System.nanoTime();
    write(streamUrl, 42, 5_000, changes, first);
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
        out.println(WindowsLine.of(client.windows().blockingFirst()));
      }

      // The whole history, replayed in order: every window is fetched once, with its progress.
      out.printf("%n   Replaying the whole history with changes(from, to)%n");
      long replayed;
      try (StepProgress progress = StepProgress.create(out, terminal, "   history", changes)) {
        replayed =
            client.changes(first, end).doOnNext(change -> progress.step()).count().blockingGet();
      }
      out.printf("   %,d changes replayed in order%n", replayed);
      out.println(WindowsLine.of(client.windows().blockingFirst()));
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
        out.printf("   live connections held by the server: %d%n", embedded.awaitLiveReaders(WAIT));
      }
      write(streamUrl, 7, 20, 5, end);
      printArrivals(arrivals, 15);

      // 4. The server goes away and comes back; nothing is fetched twice.
      if (embedded != null) {
        out.printf("%n4. The server stops and starts again under the subscribers%n");
        embedded.restart();
        write(streamUrl, 8, 20, 5, end.plus(STEP.multipliedBy(10)));
        int arrived = printArrivals(arrivals, 15);
        out.printf(
            "   the producer appended 5 after the restart; the 3 subscribers received %d changes"
                + " (nothing fetched twice, nothing missed)%n",
            arrived);
        out.printf("   live connections held by the server: %d%n", embedded.awaitLiveReaders(WAIT));
      }
      subscribers.dispose();
    }

    // 5. The app restarts on its SQLite store: the last state at once, then only what is new.
    out.printf(
        "%n5. The client is closed, 5 changes land meanwhile, and it reopens on its SQLite store%n");
    write(streamUrl, 9, 50, 5, end.plus(STEP.multipliedBy(20)));
    new AppRestart(out, streamUrl, demoClock).reopen(storeFile, changes);
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

  /**
   * Appends {@code count} generated changes ({@code seed}) at {@code rate} a second, stamped one
   * {@link #STEP} apart from {@code from}, with the demo's keyframe policy.
   */
  private void write(URI streamUrl, long seed, int rate, int count, Instant from) throws Exception {
    Workload.builder()
        .streamUrl(streamUrl)
        .seed(seed)
        .rate(rate)
        .count(count)
        .simulatedClock(from, STEP)
        .keyframePolicy("changes=" + keyframeEvery + ", interval=3600s")
        .build()
        .run();
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

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }
}
