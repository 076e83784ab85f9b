package dev.rstream;

import static dev.rstream.ReferenceChanges.orders;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.durable.DurableStream;
import dev.rstream.testing.RecordingHttp;
import dev.rstream.testing.ReferenceLog;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.File;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that restarts over a {@link SqliteStore}, against the real server-stub: what it stored
 * is answered with no request, and the live cursor resumes where the store ends.
 */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamClientRestartTest {
  @TempDir File dir;

  final StubServerExtension server = StubServerExtension.inMemory();

  @RegisterExtension final ServerClients clients = new ServerClients(server);

  /** Every request the readers sent (the writer does not record). */
  private RecordingHttp recording;

  private ReferenceLog log;
  private String url;
  private RStreamClient writer;

  @BeforeEach
  void start() {
    recording = new RecordingHttp(server.http());
    url = server.createStateStream("shop/orders", "changes=7, interval=3600s");
    writer = client(server.http(), null);
    log = new ReferenceLog(Instant.now().truncatedTo(ChronoUnit.MILLIS).plusSeconds(1));
  }

  private RStreamClient client(OkHttpClient okHttp, @Nullable LocalStore store) {
    RStreamClient.Builder builder = clients.builder(url).okHttpClient(okHttp);
    if (store != null) builder.store(store);
    return clients.client(builder);
  }

  /** A reader on {@code store} whose requests are recorded. */
  private RStreamClient reader(LocalStore store) {
    return client(recording.client(), store);
  }

  private SqliteStore openStore() {
    return clients.store(new File(dir, "app.db"));
  }

  /** Closes a client and its store as an app does on exit. */
  private static void shutDown(RStreamClient client, SqliteStore store) {
    client.close();
    store.close();
  }

  /**
   * Subscribes {@code client} to live until {@code store}, which it writes to, holds {@code
   * written}; returns the subscriber.
   */
  private TestSubscriber<StateView> liveUntilStored(
      RStreamClient client, SqliteStore store, Offset written) throws InterruptedException {
    TestSubscriber<StateView> live = client.live().test();
    client.awaitOffset(written).timeout(10, SECONDS).blockingAwait();
    LiveViews.awaitStoredLive(store, url, written);
    return live;
  }

  /**
   * Appends {@code units}, which a reader on a new store follows live until the store holds them;
   * then shuts both down as an app does on exit. Returns the offset after the units.
   */
  private Offset storeLiveThenShutDown(Random random, int units) throws InterruptedException {
    Offset written = appendRandom(random, units);
    SqliteStore store = openStore();
    RStreamClient first = reader(store);
    liveUntilStored(first, store, written).cancel();
    shutDown(first, store);
    return written;
  }

  /** Appends {@code units} POSTs of 1-3 updates through the writer, each later than the last. */
  private Offset appendRandom(Random random, int units) {
    return ReferenceChanges.appendRandom(writer, log, random, units, ReferenceLog.Shape.UPDATES);
  }

  private List<HttpUrl> mainStreamReads() {
    List<HttpUrl> result = new ArrayList<>();
    for (Request request : recording.sentRequests()) {
      // A HEAD (the live cursor asking for the tail of a catch-up) reads nothing.
      if (request.method().equals("GET") && request.url().encodedPath().endsWith("shop/orders")) {
        result.add(request.url());
      }
    }
    return result;
  }

  @Test
  void committedWindowAfterRestartIsAnsweredFromTheStoreWithZeroRequests() throws Exception {
    Instant begin = log.clock();
    Offset written = appendRandom(new Random(3), 40);
    writer.awaitOffset(written).timeout(10, SECONDS).blockingAwait();
    List<Instant> times = new ArrayList<>();
    for (int i = 0; i < 8; i++)
      times.add(begin.plusMillis(i * (log.clock().toEpochMilli() - begin.toEpochMilli()) / 16));

    SqliteStore store = openStore();
    RStreamClient first = reader(store);
    for (Instant time : times) {
      StateView view = first.window(time).timeout(10, SECONDS).blockingLast();
      assertThat(view.fromStore()).isFalse();
      assertThat(orders(view)).isEqualTo(log.replayTo(time));
    }
    assertThat(recording.sent()).isPositive();
    shutDown(first, store);

    recording.clear();
    SqliteStore reopened = openStore();
    RStreamClient restarted = reader(reopened);
    for (Instant time : times) {
      StateView view = restarted.window(time).timeout(10, SECONDS).blockingLast();
      assertThat(view.fromStore()).as("at %s", time).isTrue();
      assertThat(orders(view)).as("state at %s", time).isEqualTo(log.replayTo(time));
    }
    assertThat(recording.requests()).as("requests after restart").isEmpty();
  }

  @Test
  void liveAfterRestartEmitsTheStoredStateThenReadsOnlyWhatWasAppendedSince() throws Exception {
    Random random = new Random(7);
    Offset written = storeLiveThenShutDown(random, 25);
    Instant writtenAt = log.clock();

    Offset more = appendRandom(random, 4);
    int newChanges = log.countAfter(writtenAt);
    recording.clear();
    SqliteStore reopened = openStore();
    RStreamClient restarted = reader(reopened);
    TestSubscriber<StateView> resumed = restarted.live().test();
    resumed.awaitCount(1);
    StateView stored = resumed.values().get(0);
    assertThat(stored.fromStore()).isTrue();
    assertThat(stored.offset()).isGreaterThanOrEqualTo(written).isLessThan(more);
    assertThat(orders(stored)).isEqualTo(log.replayTo(writtenAt));

    restarted.awaitOffset(more).timeout(10, SECONDS).blockingAwait();
    StateView latest = LiveViews.latestAtOrPast(resumed, more);
    assertThat(latest.fromStore()).isFalse();
    assertThat(orders(latest)).isEqualTo(log.replayTo(log.clock()));
    List<HttpUrl> reads = mainStreamReads();
    assertThat(reads).isNotEmpty();
    assertThat(reads.get(0).queryParameter("offset")).isEqualTo(stored.offset().value());
    for (HttpUrl read : reads) {
      assertThat(Offset.of(read.queryParameter("offset"))).isGreaterThanOrEqualTo(stored.offset());
    }
    assertThat(recording.requests())
        .as("no index read")
        .allMatch(r -> r.encodedPath().endsWith("shop/orders"));
    // Only the changes appended since (and the keyframes the server wrote among them).
    long read =
        restarted
            .progress()
            .filter(p -> p.messagesRead() >= newChanges)
            .timeout(10, SECONDS)
            .blockingFirst()
            .messagesRead();
    assertThat(read).isGreaterThanOrEqualTo(newChanges).isLessThan(newChanges + 30);
    resumed.cancel();
  }

  @Test
  void twoClientsSharingOneStoreLeaveItConsistent() throws Exception {
    Random random = new Random(11);
    appendRandom(random, 10);
    SqliteStore store = openStore();
    RStreamClient a = reader(store);
    RStreamClient b = reader(store);
    TestSubscriber<StateView> liveA = a.live().test();
    TestSubscriber<StateView> liveB = b.live().test();
    Offset written = null;
    for (int round = 0; round < 5; round++) {
      written = appendRandom(random, 3);
      a.awaitOffset(written).timeout(10, SECONDS).blockingAwait();
      b.awaitOffset(written).timeout(10, SECONDS).blockingAwait();
    }
    LiveViews.awaitStoredLive(store, url, written);
    liveA.cancel();
    liveB.cancel();
    a.close();
    shutDown(b, store);

    RStreamClient restarted = reader(openStore());
    TestSubscriber<StateView> resumed = restarted.live().test();
    resumed.awaitCount(1);
    StateView stored = resumed.values().get(0);
    assertThat(stored.fromStore()).isTrue();
    assertThat(stored.offset()).isGreaterThanOrEqualTo(written);
    assertThat(orders(stored))
        .as("no change stored twice or lost")
        .isEqualTo(log.replayTo(log.clock()));
    resumed.cancel();
  }

  @Test
  void storeThatCannotWriteLeavesTheClientWorkingFromMemory() throws Exception {
    Instant begin = log.clock();
    Offset written = appendRandom(new Random(5), 30);
    LocalStore full = new FullDiskStore(new File(dir, "full.db"));
    RStreamClient client = reader(full);
    Instant time = begin.plusMillis((log.clock().toEpochMilli() - begin.toEpochMilli()) / 4);
    assertThat(orders(client.window(time).timeout(10, SECONDS).blockingLast()))
        .isEqualTo(log.replayTo(time));
    int afterFirst = recording.sent();
    assertThat(orders(client.window(time).timeout(10, SECONDS).blockingLast()))
        .isEqualTo(log.replayTo(time));
    assertThat(recording.requests()).as("held in memory").hasSize(afterFirst);
    TestSubscriber<StateView> live = client.live().test();
    client.awaitOffset(written).timeout(10, SECONDS).blockingAwait();
    assertThat(orders(LiveViews.latestAtOrPast(live, written)))
        .isEqualTo(log.replayTo(log.clock()));
    live.assertNoErrors();
    live.cancel();
  }

  @Test
  void streamDeletedAndCreatedAgainDropsTheStoredDataAndRebuilds() throws Exception {
    Random random = new Random(13);
    Offset written = storeLiveThenShutDown(random, 20);

    DurableStream stream = DurableStream.builder().url(url).okHttpClient(server.http()).build();
    stream.delete().timeout(10, SECONDS).blockingAwait();
    server.createStateStream("shop/orders", "changes=7, interval=3600s");
    log.clear();
    Offset rewritten = appendRandom(random, 3);

    SqliteStore reopened = openStore();
    RStreamClient restarted = reader(reopened);
    TestSubscriber<StateView> resumed = restarted.live().test();
    restarted.awaitOffset(rewritten).timeout(10, SECONDS).blockingAwait();
    resumed.assertNoErrors();
    StateView latest = LiveViews.latestAtOrPast(resumed, rewritten);
    assertThat(latest.fromStore()).isFalse();
    assertThat(orders(latest))
        .as("the new stream's state only")
        .isEqualTo(log.replayTo(log.clock()));
    LiveViews.awaitStoredLive(reopened, url, rewritten);
    assertThat(reopened.liveWindow(url).id()).isNotEqualTo(written.value());
    for (Keyframe keyframe : reopened.keyframes(url)) {
      assertThat(keyframe.offset().value())
          .as("no keyframe of the old stream")
          .doesNotStartWith(written.value().substring(0, 16));
    }
    resumed.cancel();
  }

  @RepeatedTest(3)
  void pauseStopsTheLiveCursorAndResumeCatchesUpFromTheStoredOffset() throws Exception {
    Random random = new Random(17);
    Offset written = appendRandom(random, 5);
    SqliteStore store = openStore();
    RStreamClient client = reader(store);
    TestSubscriber<StateView> live = liveUntilStored(client, store, written);
    Offset stored = LiveViews.storedLiveEnd(store, url);

    client.pause();
    client
        .progress()
        .filter(p -> p.live() == Progress.Live.IDLE)
        .firstOrError()
        .timeout(10, SECONDS)
        .blockingGet();
    int seen = live.values().size();
    recording.clear();
    Offset more = appendRandom(random, 4);
    assertThat(live.values()).as("nothing while paused").hasSize(seen);
    assertThat(mainStreamReads()).as("no read while paused").isEmpty();

    client.resume();
    client.awaitOffset(more).timeout(10, SECONDS).blockingAwait();
    live.assertNoErrors().assertNotComplete();
    assertThat(orders(LiveViews.latestAtOrPast(live, more))).isEqualTo(log.replayTo(log.clock()));
    assertThat(mainStreamReads().get(0).queryParameter("offset")).isEqualTo(stored.value());
    live.cancel();
  }
}
