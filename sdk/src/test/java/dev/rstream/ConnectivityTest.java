package dev.rstream;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.NetworkLink;
import dev.rstream.testing.PendingTimers;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.File;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Connectivity} against the real server-stub, over a {@link NetworkLink} that goes down and
 * comes back on real sockets: the live connection follows the network and the app's visibility,
 * sends nothing while it should not, and live subscribers see every change exactly once.
 */
@ExtendWith(UndeliveredRxErrors.class)
class ConnectivityTest {
  @TempDir File dir;
  @RegisterExtension final StubServerExtension server = StubServerExtension.inMemory();

  private final PendingTimers timers = new PendingTimers();
  private final Set<Call> openLive = ConcurrentHashMap.newKeySet();

  /** Every request the reader sent, in order. */
  private final List<HttpUrl> requests = new CopyOnWriteArrayList<>();

  private final List<RStreamClient> clients = new ArrayList<>();
  private NetworkLink link;
  private OkHttpClient http;
  private SqliteStore store;
  private String url;
  private RStreamClient writer;
  private int appended;

  @BeforeEach
  void start() throws IOException {
    url = server.createStateStream("shop/orders", "changes=100000, interval=3600s");
    link = NetworkLink.to("127.0.0.1", server.port());
    http =
        server
            .newHttpClient()
            .newBuilder()
            .addInterceptor(
                chain -> {
                  if (!chain.call().isCanceled()) requests.add(chain.request().url());
                  return chain.proceed(chain.request());
                })
            .eventListener(new LiveCalls(openLive))
            .build();
    store = SqliteStore.open(new File(dir, "app.db"));
    writer = RStreamClient.builder().streamUrl(url).okHttpClient(server.http()).build();
    clients.add(writer);
  }

  @AfterEach
  void stop() {
    clients.forEach(RStreamClient::close);
    store.close();
    link.close();
  }

  /** A reader over the link, retrying the live read by {@code retry}. */
  private RStreamClient reader(RetryPolicy retry) {
    return reader(retry, LiveTransport.AUTO);
  }

  private RStreamClient reader(RetryPolicy retry, LiveTransport transport) {
    RStreamClient client =
        RStreamClient.builder()
            .liveTransport(transport)
            .streamUrl(link.url(url))
            .okHttpClient(http)
            .store(store)
            .scheduler(timers)
            .liveLinger(0, SECONDS)
            .retryPolicy(retry)
            .clock(java.time.Clock.fixed(Instant.parse("2100-01-01T00:00:00Z"), ZoneOffset.UTC))
            .build();
    clients.add(client);
    return client;
  }

  private static RetryPolicy fastRetry() {
    return RetryPolicy.builder().initialDelay(5, MILLISECONDS).maxDelay(20, MILLISECONDS).build();
  }

  /** Waits 10 minutes before each retry: a test that ends in time did not wait it out. */
  private static RetryPolicy tenMinuteBackoff() {
    return RetryPolicy.builder()
        .initialDelay(10, MINUTES)
        .maxDelay(10, MINUTES)
        .random(
            new Random() {
              @Override
              public double nextDouble() {
                return 0.999; // the full delay, never a jittered short one
              }
            })
        .build();
  }

  /** Appends {@code n} numbered changes, one append each; returns the offset after the last. */
  private Offset append(int n) {
    Offset last = null;
    for (int i = 0; i < n; i++) {
      last =
          writer.append(ReferenceChanges.numbered(appended++)).timeout(10, SECONDS).blockingGet();
    }
    return last;
  }

  /** The values of every change appended so far, in order. */
  private List<String> appendedValues() {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < appended; i++) values.add(ReferenceChanges.numbered(i).value());
    return values;
  }

  private static List<String> seenValues(TestSubscriber<StateView> live, Offset through)
      throws InterruptedException {
    List<String> values = new ArrayList<>();
    for (Change change : LiveViews.changesThrough(live, through)) values.add(change.value());
    return values;
  }

  private static void awaitLive(RStreamClient client, Progress.Live state) {
    client
        .progress()
        .filter(p -> p.live() == state)
        .firstOrError()
        .timeout(10, SECONDS)
        .blockingGet();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("not within 10 s: " + what);
      Thread.sleep(5); // polls a condition with a deadline
    }
  }

  /** Reads of the stream (not of its index) sent since request {@code from}. */
  private List<HttpUrl> readsSince(int from) {
    List<HttpUrl> reads = new ArrayList<>();
    for (HttpUrl r : requests.subList(from, requests.size())) {
      if (r.encodedPath().endsWith("shop/orders")) reads.add(r);
    }
    return reads;
  }

  @Test
  void networkLostEndsTheLiveReadQuietlyAndSendsNothingUntilItIsBack() throws Exception {
    RStreamClient reader = reader(fastRetry());
    TestSubscriber<StateView> live = reader.live().test();
    awaitLive(reader, Progress.Live.CONNECTED);
    live.awaitCount(1);
    Offset first = append(3);
    LiveViews.latestAtOrPast(live, first);
    awaitLive(reader, Progress.Live.CONNECTED);

    link.down(); // the read fails and retries every few milliseconds...
    reader.connectivity().networkLost(); // ...until the platform says the network is gone
    awaitLive(reader, Progress.Live.OFFLINE);
    await(() -> openLive.isEmpty(), "no live call open");
    await(() -> timers.pending() == 0, "no retry or reconnect pending");
    int sent = requests.size();
    Offset more = append(3);
    assertThat(requests).as("no request while offline").hasSize(sent);
    assertThat(timers.pending()).as("nothing will send one").isZero();
    live.assertNoErrors().assertNotComplete();
    assertThat(reader.progress().blockingFirst().live()).isEqualTo(Progress.Live.OFFLINE);

    link.up();
    reader.connectivity().networkAvailable();
    assertThat(seenValues(live, more)).isEqualTo(appendedValues());
    assertThat(readsSince(sent).get(0).queryParameter("offset")).isEqualTo(first.value());
    live.assertNoErrors().assertNotComplete();
  }

  @Test
  void networkAvailableReconnectsAtOnceInsteadOfWaitingOutTheBackoff() throws Exception {
    RStreamClient reader = reader(tenMinuteBackoff());
    TestSubscriber<StateView> live = reader.live().test();
    awaitLive(reader, Progress.Live.CONNECTED);
    live.awaitCount(1);
    Offset first = append(2);
    LiveViews.latestAtOrPast(live, first);
    awaitLive(reader, Progress.Live.CONNECTED);

    link.down();
    awaitLive(reader, Progress.Live.RECONNECTING);
    await(() -> timers.pending() > 0, "the retry waits out its backoff");
    int sent = requests.size();
    Offset more = append(2);
    link.up();
    reader.connectivity().networkAvailable();

    assertThat(seenValues(live, more)).isEqualTo(appendedValues());
    List<HttpUrl> reads = readsSince(sent);
    assertThat(reads).isNotEmpty();
    assertThat(reads.get(0).queryParameter("offset")).isEqualTo(first.value());
    live.assertNoErrors().assertNotComplete();
  }

  @Test
  void aNewDefaultNetworkDropsTheOpenConnectionAndOpensAnotherWithoutADuplicate() throws Exception {
    RStreamClient reader = reader(fastRetry());
    TestSubscriber<StateView> live = reader.live().test();
    awaitLive(reader, Progress.Live.CONNECTED);
    live.awaitCount(1);
    Offset first = append(2);
    LiveViews.latestAtOrPast(live, first);
    awaitLive(reader, Progress.Live.CONNECTED);
    List<Integer> before = link.openConnections();
    assertThat(before).isNotEmpty();
    int opened = link.connectionsOpened();
    int sent = requests.size();

    reader.connectivity().networkAvailable(); // the default network changed; the old looks alive

    await(
        () -> before.stream().noneMatch(link.openConnections()::contains),
        "every connection of the old network closed");
    await(() -> link.connectionsOpened() > opened, "a new connection opened");
    awaitLive(reader, Progress.Live.CONNECTED);
    Offset more = append(3);
    assertThat(seenValues(live, more)).isEqualTo(appendedValues());
    List<HttpUrl> reads = readsSince(sent);
    assertThat(reads.get(0).queryParameter("offset")).isEqualTo(first.value());
    for (String event : link.events()) {
      if (event.startsWith("close ")) {
        assertThat(Integer.parseInt(event.substring(6))).isNotIn(link.openConnections());
      }
    }
    live.assertNoErrors().assertNotComplete();
  }

  @Test
  void backgroundClosesTheConnectionAndForegroundCatchesUpFromTheStoredOffset() throws Exception {
    RStreamClient reader = reader(fastRetry());
    TestSubscriber<StateView> live = reader.live().test();
    awaitLive(reader, Progress.Live.CONNECTED);
    live.awaitCount(1);
    Offset first = append(3);
    LiveViews.latestAtOrPast(live, first);
    awaitLive(reader, Progress.Live.CONNECTED);
    RStreamClientRestartTest.awaitStoredLive(store, link.url(url), first);

    reader.connectivity().background();
    awaitLive(reader, Progress.Live.IDLE);
    await(() -> openLive.isEmpty(), "no live call open");
    await(() -> timers.pending() == 0, "nothing pending");
    int sent = requests.size();
    Offset more = append(4);
    assertThat(requests).as("no request in the background").hasSize(sent);

    reader.connectivity().foreground();
    assertThat(seenValues(live, more)).isEqualTo(appendedValues());
    assertThat(readsSince(sent).get(0).queryParameter("offset")).isEqualTo(first.value());
    live.assertNoErrors().assertNotComplete();
  }

  @Test
  void holdsAddUpTheConnectionOpensOnlyOnceNoneIsLeft() throws Exception {
    RStreamClient reader = reader(fastRetry());
    TestSubscriber<StateView> live = reader.live().test();
    awaitLive(reader, Progress.Live.CONNECTED);
    live.awaitCount(1);
    Offset first = append(1);
    LiveViews.latestAtOrPast(live, first);
    awaitLive(reader, Progress.Live.CONNECTED);

    reader.connectivity().background();
    reader.connectivity().networkLost();
    awaitLive(reader, Progress.Live.OFFLINE);
    reader.connectivity().foreground(); // still offline
    awaitLive(reader, Progress.Live.OFFLINE);
    reader.pause();
    reader.connectivity().networkAvailable(); // still paused
    awaitLive(reader, Progress.Live.IDLE);
    await(() -> openLive.isEmpty() && timers.pending() == 0, "nothing open, nothing pending");
    int sent = requests.size();
    Offset more = append(2);
    assertThat(requests).hasSize(sent);

    reader.resume();
    assertThat(seenValues(live, more)).isEqualTo(appendedValues());
    live.assertNoErrors().assertNotComplete();
  }

  /**
   * One append unit larger than a batch (a long-poll answer, read in partial batches) is cut twice
   * in the middle: the second time before the re-read got past what the first read had applied.
   * Each re-read skips all that was applied of the unit, and the unit's changes are seen once.
   */
  @Test
  void aUnitCutTwiceMidwayIsAppliedOnce() throws Exception {
    RStreamClient reader = reader(fastRetry(), LiveTransport.LONG_POLL);
    TestSubscriber<StateView> live = reader.live().test();
    awaitLive(reader, Progress.Live.CONNECTED);
    live.awaitCount(1);
    Offset first = append(1);
    LiveViews.latestAtOrPast(live, first);
    awaitLive(reader, Progress.Live.CONNECTED);

    List<Long> cutsAt = new CopyOnWriteArrayList<>();
    long readBefore = reader.progress().blockingFirst().messagesRead();
    // On the thread that applies batches: a cut after the first partial batch, and another after
    // the re-read's first (all skipped) batch.
    Disposable cutter =
        reader
            .progress()
            .subscribe(
                p -> {
                  long read = p.messagesRead() - readBefore;
                  if (read >= (cutsAt.size() + 1) * 1000L && cutsAt.size() < 2) {
                    cutsAt.add(read);
                    reader.connectivity().networkLost();
                    reader.connectivity().networkAvailable();
                  }
                });
    List<Change> unit = new ArrayList<>();
    for (int i = 0; i < 2500; i++) unit.add(ReferenceChanges.numbered(appended++));
    Offset more = writer.append(unit).timeout(10, SECONDS).blockingGet();

    assertThat(seenValues(live, more)).isEqualTo(appendedValues());
    // Counted from the progress before the unit, which a message of the first append may still
    // join: both cuts came after partial batches, before the unit's last message.
    assertThat(cutsAt).as("cut twice inside the unit").hasSize(2).allMatch(read -> read < 2500);
    cutter.dispose();
    live.assertNoErrors().assertNotComplete();
  }

  @Test
  void callsAfterCloseDoNothing() {
    RStreamClient reader = reader(fastRetry());
    reader.close();
    reader.connectivity().networkLost();
    reader.connectivity().networkAvailable();
    reader.connectivity().background();
    reader.connectivity().foreground();
    assertThat(requests).isEmpty();
  }

  /** Tracks the live calls open now. */
  static final class LiveCalls extends EventListener {
    private final Set<Call> open;

    LiveCalls(Set<Call> open) {
      this.open = open;
    }

    @Override
    public void callStart(Call call) {
      if (call.request().url().queryParameter("live") != null) open.add(call);
    }

    @Override
    public void callEnd(Call call) {
      open.remove(call);
    }

    @Override
    public void callFailed(Call call, IOException ioe) {
      open.remove(call);
    }

    // Call.cancel() closes the socket at once; the call's end is reported later, from the thread
    // that was reading it.
    @Override
    public void canceled(Call call) {
      open.remove(call);
    }
  }
}
