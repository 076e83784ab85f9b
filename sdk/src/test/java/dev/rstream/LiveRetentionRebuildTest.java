package dev.rstream;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.File;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live cursor against server-stub with retention (two windows kept): a subscriber left behind
 * while retention drops its windows meets 410 on its next read, rebuilds from the oldest keyframe
 * the server still serves, is told on the view ({@link StateView#rebuilt()}) and through {@link
 * Progress#liveRebuilds()}, and then sees that keyframe's state and every later change exactly
 * once, however many times that happens in one session, and also when the dropped offset comes from
 * a store a restarted client opened.
 */
@ExtendWith(UndeliveredRxErrors.class)
class LiveRetentionRebuildTest {
  @TempDir File dir;

  @RegisterExtension
  final StubServerExtension server = StubServerExtension.configured(b -> b.retention("windows=2"));

  private final List<RStreamClient> clients = new ArrayList<>();
  private final List<SqliteStore> stores = new ArrayList<>();
  private String url;
  private RStreamClient writer;
  private int appended;

  @BeforeEach
  void start() {
    url = server.createStateStream("shop/orders", "changes=5, interval=3600s");
    writer = RStreamClient.builder().streamUrl(url).okHttpClient(server.http()).build();
    clients.add(writer);
  }

  @AfterEach
  void stop() {
    clients.forEach(RStreamClient::close);
    stores.forEach(SqliteStore::close);
  }

  private SqliteStore openStore() {
    SqliteStore store = SqliteStore.open(new File(dir, "app.db"));
    stores.add(store);
    return store;
  }

  private RStreamClient reader(SqliteStore store) {
    RStreamClient client =
        RStreamClient.builder()
            .streamUrl(url)
            .okHttpClient(server.newHttpClient())
            .store(store)
            .liveLinger(0, SECONDS)
            .retryPolicy(
                RetryPolicy.builder()
                    .initialDelay(5, MILLISECONDS)
                    .maxDelay(20, MILLISECONDS)
                    .build())
            .clock(java.time.Clock.fixed(Instant.parse("2100-01-01T00:00:00Z"), ZoneOffset.UTC))
            .build();
    clients.add(client);
    return client;
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

  /**
   * Appends until the server answers 410 to a read from {@code offset}: retention dropped it. Then
   * waits until the server has written every keyframe due (it writes them on its own thread), so
   * that the oldest keyframe it serves stays put until the next append.
   */
  private Offset appendUntilGone(Offset offset) throws Exception {
    Offset last = append(5);
    long deadline = System.nanoTime() + SECONDS.toNanos(20);
    while (status(offset) != 410) {
      if (System.nanoTime() > deadline) throw new AssertionError(offset + " never dropped");
      last = append(5); // each 5 changes end a window; retention keeps the last two
    }
    await(
        () -> ServerLog.changesAfterLastKeyframe(server.http(), url) < 5,
        "the keyframes due are written");
    return last;
  }

  private int status(Offset offset) throws Exception {
    Request request = new Request.Builder().url(url + "?offset=" + offset.value()).build();
    try (Response response = server.http().newCall(request).execute()) {
      return response.code();
    }
  }

  /** The order entities after every change appended so far. */
  private Map<String, String> expectedOrders() {
    Map<String, String> orders = new LinkedHashMap<>();
    for (int i = 0; i < appended; i++) {
      Change c = ReferenceChanges.numbered(i);
      orders.put(c.key(), c.value());
    }
    return orders;
  }

  /** A condition that may read the server. */
  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void await(Condition condition, String what) throws Exception {
    long deadline = System.nanoTime() + SECONDS.toNanos(10);
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) throw new AssertionError("not within 10 s: " + what);
      Thread.sleep(5); // polls a condition with a deadline
    }
  }

  private static Progress progress(RStreamClient client) {
    return client.progress().blockingFirst();
  }

  /**
   * Waits for rebuild number {@code rebuilds} to catch up to {@code tail}; checks the view there
   * holds every order appended so far and that the views after it, through 7 more appends, carry
   * exactly those 7 changes, and that the subscriber, which had {@code viewsBefore} views before
   * the 410, is told by the first view after them ({@link StateView#rebuilt()}), and by no other.
   * Returns the offset after the 7 changes.
   */
  private Offset assertRebuiltThenExactlyOnce(
      RStreamClient reader,
      TestSubscriber<StateView> live,
      int viewsBefore,
      Offset tail,
      long rebuilds)
      throws Exception {
    await(() -> progress(reader).liveRebuilds() == rebuilds, "rebuild " + rebuilds);
    LiveViews.latestAtOrPast(live, tail);
    assertToldOnce(live.values(), viewsBefore, rebuilds);
    if (viewsBefore > 0) assertFromTheOldestKeyframeKept(live.values(), viewsBefore, tail);
    Map<String, String> expected = expectedOrders();
    int first = appended;
    Offset end = append(7);
    LiveViews.latestAtOrPast(live, end);
    live.assertNoErrors().assertNotComplete();
    List<StateView> views = live.values();
    int at = -1;
    for (int i = 0; i < views.size(); i++) {
      // Past the tail when the server wrote a keyframe after the last append.
      if (at < 0 && views.get(i).offset().compareTo(tail) >= 0) at = i;
      if (i > 0) {
        assertThat(views.get(i).offset())
            .as("view %s follows the one before", i)
            .isGreaterThan(views.get(i - 1).offset());
      }
    }
    assertThat(new LinkedHashMap<>(views.get(at).entities(ReferenceChanges.TYPE)))
        .as("the rebuilt state")
        .isEqualTo(expected);
    List<String> after = new ArrayList<>();
    for (int i = at + 1; i < views.size(); i++) {
      for (Change c : views.get(i).changes()) after.add(c.value());
    }
    List<String> later = new ArrayList<>();
    for (int i = first; i < appended; i++) later.add(ReferenceChanges.numbered(i).value());
    assertThat(after).as("every change after the rebuild, once").isEqualTo(later);
    assertThat(progress(reader).liveRebuilds()).isEqualTo(rebuilds);
    return end;
  }

  /**
   * A subscriber that held a state is shown the rebuild from the oldest keyframe the server still
   * serves: its first view after the 410 is that keyframe's state, and the views after it up to
   * {@code tail} carry every change of the server's log after that keyframe, each once.
   */
  private void assertFromTheOldestKeyframeKept(List<StateView> views, int viewsBefore, Offset tail)
      throws Exception {
    ServerLog.FromFirstKeyframe log =
        ServerLog.fromFirstKeyframe(server.http(), url, ReferenceChanges.TYPE);
    StateView rebuilt = views.get(viewsBefore);
    assertThat(rebuilt.changes()).as("the first view after the 410: a keyframe's state").isEmpty();
    assertThat(new LinkedHashMap<>(rebuilt.entities(ReferenceChanges.TYPE)))
        .as("the first view after the 410: the oldest keyframe kept")
        .isEqualTo(log.keyframe);
    List<String> shown = new ArrayList<>();
    for (int i = viewsBefore + 1; i < views.size(); i++) {
      if (views.get(i - 1).offset().compareTo(tail) >= 0) break;
      for (Change c : views.get(i).changes()) shown.add(c.value());
    }
    assertThat(shown)
        .as("every change after the oldest keyframe kept, once")
        .isEqualTo(log.changes);
  }

  /**
   * The views flagged {@link StateView#rebuilt()} are one per rebuild, the last of them the first
   * view after the {@code viewsBefore} the subscriber had before the last 410; with none before,
   * the subscription's first view is compared with nothing and no view is flagged.
   */
  private static void assertToldOnce(List<StateView> views, int viewsBefore, long rebuilds) {
    List<Integer> flagged = new ArrayList<>();
    for (int i = 0; i < views.size(); i++) if (views.get(i).rebuilt()) flagged.add(i);
    if (viewsBefore == 0) {
      assertThat(flagged).as("views flagged rebuilt, with none before the 410").isEmpty();
      return;
    }
    assertThat(flagged).as("views flagged rebuilt").hasSize((int) rebuilds).endsWith(viewsBefore);
  }

  private static void awaitLive(RStreamClient client, Progress.Live state) {
    client
        .progress()
        .filter(p -> p.live() == state)
        .firstOrError()
        .timeout(10, SECONDS)
        .blockingGet();
  }

  @Test
  void subscriberBehindWhenRetentionDropsItsWindowsRebuildsAndIsTold() throws Exception {
    RStreamClient reader = reader(openStore());
    TestSubscriber<StateView> live = reader.live().test();
    Offset seen = append(3);
    LiveViews.latestAtOrPast(live, seen);
    assertThat(progress(reader).liveRebuilds()).isZero();

    reader.connectivity().networkLost();
    awaitLive(reader, Progress.Live.OFFLINE);
    int viewsBefore = live.values().size();
    Offset tail = appendUntilGone(seen);
    reader.connectivity().networkAvailable();

    assertRebuiltThenExactlyOnce(reader, live, viewsBefore, tail, 1);
  }

  @Test
  void twoGoneOffsetsInOneSessionRebuildTwice() throws Exception {
    RStreamClient reader = reader(openStore());
    TestSubscriber<StateView> live = reader.live().test();
    Offset seen = append(3);
    LiveViews.latestAtOrPast(live, seen);

    for (int round = 1; round <= 2; round++) {
      reader.connectivity().networkLost();
      awaitLive(reader, Progress.Live.OFFLINE);
      int viewsBefore = live.values().size();
      Offset tail = appendUntilGone(seen);
      reader.connectivity().networkAvailable();
      seen = assertRebuiltThenExactlyOnce(reader, live, viewsBefore, tail, round);
    }
  }

  @Test
  void storedOffsetThatRetentionDroppedRebuildsAfterARestart() throws Exception {
    SqliteStore store = openStore();
    RStreamClient first = reader(store);
    TestSubscriber<StateView> before = first.live().test();
    Offset seen = append(3);
    LiveViews.latestAtOrPast(before, seen);
    LiveViews.awaitStoredLive(store, url, seen);
    first.close();
    store.close();
    stores.remove(store);

    Offset tail = appendUntilGone(seen);

    SqliteStore reopened = openStore();
    assertThat(reopened.liveWindow(url)).as("the store still holds the dropped offset").isNotNull();
    RStreamClient restarted = reader(reopened);
    TestSubscriber<StateView> live = restarted.live().test();
    // The stored state comes first (one view), then the 410 of its offset.
    assertRebuiltThenExactlyOnce(restarted, live, 1, tail, 1);
    assertThat(live.values().get(0).fromStore()).as("the first view is the stored one").isTrue();
  }

  @Test
  void storedOffsetThatRetentionDroppedWhileOfflineRebuildsOnceTheNetworkIsBack() throws Exception {
    SqliteStore store = openStore();
    RStreamClient first = reader(store);
    TestSubscriber<StateView> before = first.live().test();
    Offset seen = append(3);
    LiveViews.latestAtOrPast(before, seen);
    LiveViews.awaitStoredLive(store, url, seen);
    first.close();

    RStreamClient offline = reader(store);
    offline.connectivity().networkLost();
    TestSubscriber<StateView> live = offline.live().test();
    awaitLive(offline, Progress.Live.OFFLINE);
    // Offline, the app is shown what it stored.
    live.awaitCount(1).assertValueCount(1);
    assertThat(live.values().get(0).fromStore()).isTrue();
    assertThat(live.values().get(0).offset()).isEqualTo(seen);
    Offset tail = appendUntilGone(seen);
    live.assertValueCount(1);
    offline.connectivity().networkAvailable();

    assertRebuiltThenExactlyOnce(offline, live, 1, tail, 1);
  }

  @Test
  void windowBeforeTheOldestKeyframeKeptNamesTheEarliestTimeEvenWithAStaleIndex() throws Exception {
    RStreamClient reader =
        RStreamClient.builder().streamUrl(url).okHttpClient(server.newHttpClient()).build();
    clients.add(reader);
    Offset early = append(6);
    Instant dropped = Instant.now();
    Offset later = append(6);
    // Reads the index (and keeps it) while the early window is still served, but not that window.
    reader.window(Instant.now()).firstOrError().timeout(10, SECONDS).blockingGet();
    appendUntilGone(early);

    Throwable error =
        catchThrowable(
            () -> reader.window(dropped).firstOrError().timeout(10, SECONDS).blockingGet());
    assertThat(error).isInstanceOf(OutOfRangeException.class);
    Instant earliest = ((OutOfRangeException) error).firstKeyframe();
    assertThat(earliest).as("the earliest time still available").isNotNull().isAfter(dropped);
    assertThat(reader.window(earliest).firstOrError().timeout(10, SECONDS).blockingGet())
        .isNotNull();
  }
}
