package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.File;
import java.io.IOException;
import java.time.Clock;
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
import org.junit.jupiter.api.Order;
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
  @Order(1)
  final StubServerExtension server = StubServerExtension.configured(b -> b.retention("windows=2"));

  /** Clients that read the server directly, not over the link: closed before the server stops. */
  @RegisterExtension
  @Order(2)
  final OpenClients clients = new OpenClients();

  private final List<SqliteStore> stores = new ArrayList<>();
  private LinkedStream stream;
  private String url;

  @BeforeEach
  void start() throws IOException {
    stream = LinkedStream.create(server, "changes=5, interval=3600s");
    url = stream.url();
  }

  @AfterEach
  void stop() {
    stream.close();
    stores.forEach(SqliteStore::close);
  }

  private SqliteStore openStore() {
    SqliteStore store = SqliteStore.open(new File(dir, "app.db"));
    stores.add(store);
    return store;
  }

  /** A reader over the link, retrying within milliseconds, to which every change is past. */
  private RStreamClient reader(SqliteStore store) {
    return stream.reader(
        store,
        LinkedStream.fastRetry(),
        b -> b.clock(Clock.fixed(ServerClients.FAR_FUTURE, ZoneOffset.UTC)));
  }

  /**
   * Appends 3 changes that a reader on {@code store} is shown and stores, then closes that reader;
   * returns the offset after them.
   */
  private Offset storeThreeChanges(SqliteStore store) throws InterruptedException {
    RStreamClient first = reader(store);
    TestSubscriber<StateView> before = first.live().test();
    Offset seen = stream.append(3);
    LiveViews.latestAtOrPast(before, seen);
    stream.awaitStoredLive(store, seen);
    first.close();
    return seen;
  }

  /**
   * Appends until the server answers 410 to a read from {@code offset}: retention dropped it. Then
   * waits until the server has written every keyframe due (it writes them on its own thread), so
   * that the oldest keyframe it serves stays put until the next append.
   */
  private Offset appendUntilGone(Offset offset) throws Exception {
    Offset last = stream.append(5);
    long deadline = System.nanoTime() + SECONDS.toNanos(20);
    while (status(offset) != 410) {
      if (System.nanoTime() > deadline) throw new AssertionError(offset + " never dropped");
      last = stream.append(5); // each 5 changes end a window; retention keeps the last two
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
    for (int i = 0; i < stream.appended(); i++) {
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
    int first = stream.appended();
    Offset end = stream.append(7);
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
    List<String> appended = stream.appendedValues();
    List<String> later = appended.subList(first, appended.size());
    assertThat(after).as("every change after the rebuild, once").isEqualTo(later);
    assertThat(progress(reader).liveRebuilds()).isEqualTo(rebuilds);
    return end;
  }

  /**
   * Takes {@code reader} offline until retention drops {@code seen}, then online again, and checks
   * rebuild number {@code rebuilds} as {@link #assertRebuiltThenExactlyOnce} does; returns the
   * offset it returns.
   */
  private Offset goneWhileOffline(
      RStreamClient reader, TestSubscriber<StateView> live, Offset seen, long rebuilds)
      throws Exception {
    reader.connectivity().networkLost();
    LinkedStream.awaitLive(reader, Progress.Live.OFFLINE);
    int viewsBefore = live.values().size();
    Offset tail = appendUntilGone(seen);
    reader.connectivity().networkAvailable();
    return assertRebuiltThenExactlyOnce(reader, live, viewsBefore, tail, rebuilds);
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

  @Test
  void subscriberBehindWhenRetentionDropsItsWindowsRebuildsAndIsTold() throws Exception {
    RStreamClient reader = reader(openStore());
    TestSubscriber<StateView> live = reader.live().test();
    Offset seen = stream.append(3);
    LiveViews.latestAtOrPast(live, seen);
    assertThat(progress(reader).liveRebuilds()).isZero();

    goneWhileOffline(reader, live, seen, 1);
  }

  @Test
  void twoGoneOffsetsInOneSessionRebuildTwice() throws Exception {
    RStreamClient reader = reader(openStore());
    TestSubscriber<StateView> live = reader.live().test();
    Offset seen = stream.append(3);
    LiveViews.latestAtOrPast(live, seen);

    for (int round = 1; round <= 2; round++) seen = goneWhileOffline(reader, live, seen, round);
  }

  @Test
  void storedOffsetThatRetentionDroppedRebuildsAfterARestart() throws Exception {
    SqliteStore store = openStore();
    Offset seen = storeThreeChanges(store);
    store.close();
    stores.remove(store);

    Offset tail = appendUntilGone(seen);

    SqliteStore reopened = openStore();
    assertThat(reopened.liveWindow(stream.linkedUrl()))
        .as("the store still holds the dropped offset")
        .isNotNull();
    RStreamClient restarted = reader(reopened);
    TestSubscriber<StateView> live = restarted.live().test();
    // The stored state comes first (one view), then the 410 of its offset.
    assertRebuiltThenExactlyOnce(restarted, live, 1, tail, 1);
    assertThat(live.values().get(0).fromStore()).as("the first view is the stored one").isTrue();
  }

  @Test
  void storedOffsetThatRetentionDroppedWhileOfflineRebuildsOnceTheNetworkIsBack() throws Exception {
    SqliteStore store = openStore();
    Offset seen = storeThreeChanges(store);

    RStreamClient offline = reader(store);
    offline.connectivity().networkLost();
    TestSubscriber<StateView> live = offline.live().test();
    LinkedStream.awaitLive(offline, Progress.Live.OFFLINE);
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
        clients.client(RStreamClient.builder().streamUrl(url).okHttpClient(server.newHttpClient()));
    Offset early = stream.append(6);
    Instant dropped = Instant.now();
    Offset later = stream.append(6);
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
