package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.internal.window.OffsetDistance;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import dev.rstream.testing.WindowedHistory;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.File;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Determinate progress against the real server-stub, whose offsets are byte positions, answering at
 * most 1 KiB a read: a replay of history, a first sync, and {@link RStreamClient#live()} alone
 * catching up over several answers report done and total, in windows of the index and in bytes,
 * until done reaches total, then no catch-up. The live cursor asks for the tail once per catch-up
 * of several answers, and not for one that ends in one answer.
 */
@ExtendWith(UndeliveredRxErrors.class)
class CatchUpProgressTest {
  private static final int ENTITIES = 4;

  @TempDir File dir;

  final StubServerExtension server = StubServerExtension.configured(b -> b.maxReadBytes(1024));
  @RegisterExtension final ServerClients clients = new ServerClients(server);
  private final List<Progress.CatchUp> seen = new CopyOnWriteArrayList<>();
  private final AtomicInteger heads = new AtomicInteger();
  private final CountDownLatch catchUpShown = new CountDownLatch(1);
  private WindowedHistory history;
  private String url;

  @BeforeEach
  void start() throws Exception {
    url = server.createStateStream("sync/first", "changes=" + ENTITIES + ", interval=3600s");
    history =
        new WindowedHistory(
            server.http(), url, Instant.parse("2020-01-01T00:00:00Z"), ENTITIES, 64);
    history.write(0, 6);
  }

  private RStreamClient client() {
    return client(url, null);
  }

  /** A client of the stream at {@code url}, over {@code store} if any, counting its HEADs. */
  private RStreamClient client(String url, @Nullable LocalStore store) {
    return client(url, store, server.http());
  }

  /**
   * As {@link #client(String, LocalStore)}, whose second catch-up read waits until progress shows a
   * catch-up (10 s at most): the tail the first answer made the cursor ask for is known before the
   * read can end, however fast it would.
   */
  private RStreamClient heldClient(String url, @Nullable LocalStore store) {
    AtomicInteger catchUpReads = new AtomicInteger();
    OkHttpClient held =
        server
            .http()
            .newBuilder()
            .addInterceptor(
                chain -> {
                  HttpUrl read = chain.request().url();
                  boolean catchUpRead =
                      chain.request().method().equals("GET")
                          && read.queryParameter("offset") != null
                          && read.queryParameter("live") == null
                          && !read.encodedPath().endsWith(".keyframes");
                  if (catchUpRead && catchUpReads.incrementAndGet() == 2) {
                    try {
                      catchUpShown.await(10, SECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }
                  return chain.proceed(chain.request());
                })
            .build();
    return client(url, store, held);
  }

  private RStreamClient client(String url, @Nullable LocalStore store, OkHttpClient http) {
    RStreamClient.Builder builder =
        clients
            .withoutLinger(url)
            .okHttpClient(http)
            .eventListener(
                new RStreamEventListener() {
                  @Override
                  public void requestStart(Request request) {
                    if (request.method().equals("HEAD")) heads.incrementAndGet();
                  }
                });
    if (store != null) builder.store(store);
    return clients.client(builder);
  }

  private Disposable record(RStreamClient client) {
    return client
        .progress()
        .subscribe(
            p -> {
              Progress.CatchUp catchUp = p.catchUp();
              if (catchUp == null) return;
              seen.add(catchUp);
              catchUpShown.countDown();
            });
  }

  private static void awaitNoCatchUp(RStreamClient client) {
    client
        .progress()
        .filter(p -> p.catchUp() == null)
        .firstOrError()
        .timeout(10, SECONDS)
        .blockingGet();
  }

  /**
   * Creates a state stream at {@code path} (no keyframe before 1,000 changes) and appends {@code n}
   * changes to it; returns the tail.
   */
  private Offset streamHolding(String path, int n) {
    String stream = server.createStateStream(path, "changes=1000, interval=3600s");
    return append(client(stream, null), 0, n);
  }

  /** Appends {@code n} changes of about 100 bytes each, one append each; returns the tail. */
  private static Offset append(RStreamClient writer, int from, int n) {
    Offset tail = null;
    for (int i = from; i < from + n; i++) {
      String value = "\"" + i + ":" + "x".repeat(96) + "\"";
      tail =
          writer
              .append(Change.update(WindowedHistory.TYPE, "e" + (i % ENTITIES), value))
              .timeout(10, SECONDS)
              .blockingGet();
    }
    return tail;
  }

  private void assertFillsUp(int windows) {
    assertThat(seen).isNotEmpty();
    assertThat(seen.get(0).windowsTotal()).isEqualTo(windows);
    assertEndsDone(windows);
  }

  /**
   * The catch-ups seen start with none done, grow, and end with {@code windows} windows and all
   * their bytes done.
   */
  private void assertEndsDone(int windows) {
    assertThat(seen).isNotEmpty();
    Progress.CatchUp first = seen.get(0);
    Progress.CatchUp last = seen.get(seen.size() - 1);
    assertThat(first.windowsDone()).isZero();
    assertThat(last.windowsDone()).isEqualTo(windows);
    assertThat(last.bytesTotal()).isPositive();
    assertThat(last.bytesDone()).isEqualTo(last.bytesTotal());
    assertThat(last.fraction()).isEqualTo(1.0);
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i).windowsDone()).isGreaterThanOrEqualTo(seen.get(i - 1).windowsDone());
      assertThat(seen.get(i).bytesDone()).isGreaterThanOrEqualTo(seen.get(i - 1).bytesDone());
    }
  }

  /**
   * The live cursor's catch-up: its first report says the bytes to the tail (at least {@code
   * atLeast}), which stay the total, done grows answer by answer, and it ends with {@code windows}
   * windows done of as many (a total of windows counts what the index knows, and may grow).
   */
  private void assertLiveCatchUpFillsUp(long atLeast, int windows) {
    assertEndsDone(windows);
    Progress.CatchUp first = seen.get(0);
    Progress.CatchUp last = seen.get(seen.size() - 1);
    assertThat(first.bytesTotal()).as("bytes to the tail").isGreaterThanOrEqualTo(atLeast);
    assertThat(first.bytesDone()).isZero();
    assertThat(last.bytesTotal()).isEqualTo(first.bytesTotal());
    assertThat(last.windowsTotal()).isEqualTo(windows);
    assertThat(seen.stream().map(Progress.CatchUp::bytesDone).distinct().count())
        .as("bytes reported answer by answer")
        .isGreaterThan(2);
  }

  @Test
  void replayingHistoryCountsTheWindowsOfTheIndexAndTheirBytes() {
    RStreamClient client = client();
    Disposable recording = record(client);
    // The window before the first batch's keyframe (empty), then one per batch up to the keyframe
    // stamped `to`: five windows, all committed.
    long changes =
        client.changes(history.time(0), history.time(4)).count().timeout(10, SECONDS).blockingGet();
    awaitNoCatchUp(client);
    recording.dispose();

    assertThat(changes).isEqualTo(4L * ENTITIES);
    assertFillsUp(5);
    // Bytes grow window by window: one step per window read, each a whole window's range.
    assertThat(seen.stream().map(Progress.CatchUp::bytesDone).distinct()).hasSize(6);
  }

  @Test
  void aFirstSyncCountsTheBytesOfTheLiveWindowUpToTheTail() throws Exception {
    // Changes after the last keyframe: the live window a first sync reads.
    RStreamClient writer = client();
    Offset tail = null;
    for (int i = 0; i < ENTITIES - 1; i++) {
      tail =
          writer
              .append(Change.update(WindowedHistory.TYPE, "e" + i, "\"after " + i + "\""))
              .timeout(10, SECONDS)
              .blockingGet();
    }

    RStreamClient client = client();
    Disposable recording = record(client);
    StateView state = client.state().timeout(10, SECONDS).blockingGet();
    awaitNoCatchUp(client);
    recording.dispose();

    assertThat(state.offset()).isEqualTo(tail);
    assertThat(state.entities(WindowedHistory.TYPE).get("e0")).isEqualTo("\"after 0\"");
    assertFillsUp(1);
  }

  /**
   * Subscribes {@code reader} to {@code live()} until it shows {@code tail} and progress shows no
   * catch-up, recording the catch-ups it shows; returns its first view.
   */
  private StateView liveTo(RStreamClient reader, Offset tail) throws InterruptedException {
    Disposable recording = record(reader);
    TestSubscriber<StateView> live = reader.live().test();
    LiveViews.latestAtOrPast(live, tail);
    awaitNoCatchUp(reader);
    recording.dispose();
    live.cancel();
    return live.values().get(0);
  }

  @Test
  void aFirstLiveSyncOverSeveralAnswersCountsTheBytesOfTheLiveWindowToTheTail() throws Exception {
    Offset tail = streamHolding("sync/live", 40);
    int headsBefore = heads.get();

    liveTo(heldClient(server.streamUrl("sync/live"), null), tail);

    assertLiveCatchUpFillsUp(40 * 100, 1);
    assertThat(heads.get() - headsBefore).as("one HEAD, for the tail").isEqualTo(1);
  }

  @Test
  void aLiveReadResumedFromAStoredWindowCountsItsWindowsAndBytesToTheTail() throws Exception {
    String stream =
        server.createStateStream("sync/resumed", "changes=" + ENTITIES + ", interval=3600s");
    WindowedHistory history =
        new WindowedHistory(
            server.http(), stream, Instant.parse("2020-01-01T00:00:00Z"), ENTITIES, 64);
    history.write(0, 1);
    SqliteStore store = clients.store(new File(dir, "app.db"));
    RStreamClient first = client(stream, store);
    TestSubscriber<StateView> before = first.live().test();
    Offset stored = first.state().timeout(10, SECONDS).blockingGet().offset();
    LiveViews.latestAtOrPast(before, stored);
    LiveViews.awaitStoredLive(store, stream, stored);
    first.close();
    // Six more windows, each a batch and its keyframe.
    history.write(1, 7);
    RStreamClient probe = client(stream, null);
    Offset tail = probe.state().timeout(10, SECONDS).blockingGet().offset();
    probe.close();
    seen.clear();

    StateView resumed = liveTo(heldClient(stream, store), tail);

    assertThat(resumed.fromStore()).as("resumed from the stored window").isTrue();
    assertLiveCatchUpFillsUp(OffsetDistance.between(stored, tail), 7);
    assertThat(seen.get(0).bytesTotal()).isEqualTo(OffsetDistance.between(stored, tail));
  }

  @Test
  void aCatchUpInOneAnswerAsksForNoTailAndShowsNone() throws Exception {
    Offset tail = streamHolding("sync/short", 2);
    int headsBefore = heads.get();

    liveTo(client(server.streamUrl("sync/short"), null), tail);

    assertThat(seen).isEmpty();
    assertThat(heads.get()).isEqualTo(headsBefore);
  }
}
