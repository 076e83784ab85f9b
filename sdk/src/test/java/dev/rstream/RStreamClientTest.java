package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.durable.LiveMode;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.state.Control;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.window.GeneratedLog;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(UndeliveredRxErrors.class)
class RStreamClientTest {
  private GeneratedLog log;
  private FakeStateStream stream;
  private final List<RStreamClient> clients = new ArrayList<>();

  @BeforeEach
  void setUp() {
    log = new GeneratedLog(17, 10, 8);
    stream = new FakeStateStream(log);
  }

  @AfterEach
  void tearDown() {
    clients.forEach(RStreamClient::close);
  }

  private RStreamClient.Builder builder(FakeStateStream source) {
    return RStreamClient.builder()
        .source(source)
        .liveLinger(0, SECONDS)
        // The log's times are in 2026; "now" is after all of them unless a test says otherwise.
        .clock(Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC));
  }

  private RStreamClient client(RStreamClient.Builder builder) {
    RStreamClient client = builder.build();
    clients.add(client);
    return client;
  }

  private static Map<String, Map<String, String>> asMap(StateView view) {
    Map<String, Map<String, String>> result = new LinkedHashMap<>();
    for (String type : view.types()) result.put(type, new LinkedHashMap<>(view.entities(type)));
    return result;
  }

  /**
   * A time strictly inside the {@code n}th window that lasts (keyframes may share a timestamp, and
   * then the window between them covers no time).
   */
  private Instant inside(int n) {
    int k = -1;
    for (int seen = -1; seen < n; ) {
      k++;
      if (log.keyframes.get(k).timestamp().isBefore(log.keyframes.get(k + 1).timestamp())) seen++;
    }
    Instant start = log.keyframes.get(k).timestamp();
    Instant end = log.keyframes.get(k + 1).timestamp();
    return start.plusMillis((end.toEpochMilli() - start.toEpochMilli()) / 2);
  }

  private int lastingWindows() {
    int n = 0;
    for (int k = 0; k + 1 < log.keyframes.size(); k++) {
      if (log.keyframes.get(k).timestamp().isBefore(log.keyframes.get(k + 1).timestamp())) n++;
    }
    return n;
  }

  private int indexOf(String windowId) {
    for (int k = 0; k < log.keyframes.size(); k++) {
      if (log.keyframes.get(k).offset().value().equals(windowId)) return k;
    }
    throw new AssertionError("no keyframe " + windowId);
  }

  private StateView await(Flowable<StateView> views) {
    return views.timeout(5, SECONDS).blockingLast();
  }

  @Test
  void pastTimeReadsOnlyItsWindowThenAnswersFromMemoryWithoutARequest() throws Exception {
    RStreamClient client = client(builder(stream));
    Instant time = inside(3);
    StateView view = await(client.window(time));
    assertThat(asMap(view)).isEqualTo(log.replayTo(time));
    assertThat(view.fromStore()).isFalse();
    int k = indexOf(view.windowId());
    assertThat(log.keyframes.get(k).timestamp()).isBeforeOrEqualTo(time);
    assertThat(log.keyframes.get(k + 1).timestamp()).isAfter(time);

    ReadOptions read = stream.reads.poll(5, SECONDS);
    assertThat(read.offset()).isEqualTo(log.keyframes.get(k).offset());
    assertThat(read.endOffset()).isEqualTo(log.keyframes.get(k + 1).offset());
    assertThat(read.liveMode()).isEqualTo(LiveMode.OFF);

    // Held now: answered on the calling thread, no request at all.
    Instant start = log.keyframes.get(k).timestamp();
    TestSubscriber<StateView> again = client.window(start).test();
    again.assertComplete().assertValueCount(1);
    assertThat(asMap(again.values().get(0))).isEqualTo(log.replayTo(start));
    assertThat(stream.reads).isEmpty();
    assertThat(stream.indexReads).hasSize(1);
  }

  @Test
  void concurrentRequestsForOneWindowShareOneRead() throws Exception {
    RStreamClient client = client(builder(stream));
    stream.closeGate();
    List<TestSubscriber<StateView>> waiting = new ArrayList<>();
    for (int i = 0; i < 5; i++) waiting.add(client.window(inside(2).plusMillis(i)).test());
    stream.openGate();
    for (TestSubscriber<StateView> subscriber : waiting) {
      subscriber.awaitDone(5, SECONDS).assertComplete().assertValueCount(1);
    }
    assertThat(stream.reads).hasSize(1);
  }

  @Test
  void manyThreadsAskingRandomTimesGetCorrectStatesAndEachWindowIsReadOnce() throws Exception {
    log = new GeneratedLog(23, 40, 12);
    stream = new FakeStateStream(log);
    RStreamClient client = client(builder(stream).maxParallelFetches(3));
    int threads = 6;
    int perThread = 40;
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
    long span =
        log.keyframes.get(log.keyframes.size() - 1).timestamp().toEpochMilli()
            - log.first.toEpochMilli();
    for (int t = 0; t < threads; t++) {
      java.util.Random random = new java.util.Random(t);
      done.add(
          pool.submit(
              () -> {
                go.await();
                for (int i = 0; i < perThread; i++) {
                  Instant time = log.first.plusMillis((long) (random.nextDouble() * span));
                  StateView view = await(client.window(time));
                  assertThat(asMap(view)).as("state at %s", time).isEqualTo(log.replayTo(time));
                }
                return null;
              }));
    }
    go.countDown();
    for (java.util.concurrent.Future<?> f : done) f.get(30, SECONDS);
    pool.shutdown();
    List<Offset> starts = new ArrayList<>();
    for (ReadOptions read : stream.reads) starts.add(read.offset());
    assertThat(starts).doesNotHaveDuplicates(); // a window is read once, however many ask
  }

  @Test
  void windowsBeyondTheParallelLimitWaitAsPending() throws Exception {
    RStreamClient client = client(builder(stream).maxParallelFetches(2));
    BlockingQueue<List<WindowInfo>> sets = new LinkedBlockingQueue<>();
    Disposable d = client.windows().subscribe(sets::add);
    stream.closeGate();
    List<TestSubscriber<StateView>> waiting = new ArrayList<>();
    for (int k = 0; k < 4; k++) waiting.add(client.window(inside(k)).test());
    List<WindowInfo> set = awaitSet(sets, s -> s.size() == 4 && count(s, WindowState.PULLING) == 2);
    assertThat(count(set, WindowState.PENDING)).isEqualTo(2);
    stream.openGate(); // releases the two started; the others start, pass the open gate
    for (TestSubscriber<StateView> subscriber : waiting)
      subscriber.awaitDone(20, SECONDS).assertComplete();
    awaitSet(sets, s -> s.size() == 4 && count(s, WindowState.COMMITTED) == 4);
    assertThat(stream.reads).hasSize(4);
    d.dispose();
  }

  private static long count(List<WindowInfo> set, WindowState state) {
    return set.stream().filter(w -> w.state() == state).count();
  }

  private static List<WindowInfo> awaitSet(
      BlockingQueue<List<WindowInfo>> sets,
      java.util.function.Predicate<List<WindowInfo>> condition)
      throws InterruptedException {
    while (true) {
      List<WindowInfo> set = sets.poll(5, SECONDS);
      assertThat(set).as("window set in time").isNotNull();
      if (condition.test(set)) return set;
    }
  }

  @Test
  void aWindowSetSubscriberMayBlockOnTheClientWithoutDeadlock() throws Exception {
    RStreamClient client = client(builder(stream));
    BlockingQueue<StateView> fromCallback = new LinkedBlockingQueue<>();
    java.util.concurrent.atomic.AtomicBoolean asked =
        new java.util.concurrent.atomic.AtomicBoolean();
    Disposable d =
        client
            .windows()
            .subscribe(
                set -> {
                  if (!set.isEmpty() && asked.compareAndSet(false, true)) {
                    fromCallback.add(client.window(inside(1)).timeout(5, SECONDS).blockingLast());
                  }
                });
    StateView first = await(client.window(inside(0)));
    assertThat(asMap(first)).isEqualTo(log.replayTo(inside(0)));
    StateView second = fromCallback.poll(5, SECONDS);
    assertThat(second).isNotNull();
    assertThat(asMap(second)).isEqualTo(log.replayTo(inside(1)));
    d.dispose();
  }

  @Test
  void aWindowSetSubscriberMayWaitForAWindowThatNeedsTheSlotOfTheWindowJustCommitted()
      throws Exception {
    RStreamClient client = client(builder(stream).maxParallelFetches(1));
    BlockingQueue<List<WindowInfo>> sets = new LinkedBlockingQueue<>();
    BlockingQueue<Object> fromCallback = new LinkedBlockingQueue<>();
    java.util.concurrent.atomic.AtomicBoolean asked =
        new java.util.concurrent.atomic.AtomicBoolean();
    Disposable d =
        client
            .windows()
            .subscribe(
                set -> {
                  sets.add(set);
                  // Told on the thread that committed the first window, the one slot's holder.
                  if (count(set, WindowState.COMMITTED) == 1 && asked.compareAndSet(false, true)) {
                    fromCallback.add(waitInCallback(client.window(inside(1))));
                  }
                });
    stream.closeGate();
    TestSubscriber<StateView> first = client.window(inside(0)).test();
    awaitSet(sets, s -> count(s, WindowState.PULLING) == 1);
    java.util.concurrent.ExecutorService opener =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    opener.execute(stream::openGate); // the read completes, and the callback blocks, over there
    Object second = fromCallback.poll(10, SECONDS);
    assertThat(second)
        .as("the second window, asked for inside the callback")
        .isInstanceOf(StateView.class);
    assertThat(asMap((StateView) second)).isEqualTo(log.replayTo(inside(1)));
    first.awaitDone(5, SECONDS).assertComplete();
    opener.shutdown();
    d.dispose();
  }

  @Test
  void aWindowSetSubscriberMayWaitForAWindowThatNeedsTheSlotOfTheWindowStartingToPull()
      throws Exception {
    // Fetches start only once the request has returned, so the PULLING set goes out on the
    // thread that took the one slot, not on this one.
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newCachedThreadPool();
    io.reactivex.rxjava3.core.Scheduler held =
        io.reactivex.rxjava3.schedulers.Schedulers.from(
            task ->
                pool.execute(
                    () -> {
                      try {
                        go.await();
                      } catch (InterruptedException e) {
                        return; // the pool is shutting down
                      }
                      task.run();
                    }));
    RStreamClient client = client(builder(stream).scheduler(held).maxParallelFetches(1));
    BlockingQueue<Object> fromCallback = new LinkedBlockingQueue<>();
    java.util.concurrent.atomic.AtomicBoolean asked =
        new java.util.concurrent.atomic.AtomicBoolean();
    Disposable d =
        client
            .windows()
            .subscribe(
                set -> {
                  if (count(set, WindowState.PULLING) == 1 && asked.compareAndSet(false, true)) {
                    fromCallback.add(waitInCallback(client.window(inside(1))));
                  }
                });
    TestSubscriber<StateView> first = client.window(inside(0)).test();
    go.countDown();
    Object second = fromCallback.poll(10, SECONDS);
    assertThat(second)
        .as("the second window, asked for inside the callback")
        .isInstanceOf(StateView.class);
    assertThat(asMap((StateView) second)).isEqualTo(log.replayTo(inside(1)));
    first.awaitDone(5, SECONDS).assertComplete();
    d.dispose();
    pool.shutdownNow();
  }

  /** Blocks for {@code view}'s last state; a timeout comes back as the exception, not thrown. */
  private static Object waitInCallback(Flowable<StateView> view) {
    try {
      return view.timeout(5, SECONDS).blockingLast();
    } catch (RuntimeException e) {
      return e;
    }
  }

  @Test
  void failedWindowIsReportedThenRemovedSoALaterRequestRetries() throws Exception {
    RStreamClient client = client(builder(stream));
    BlockingQueue<List<WindowInfo>> sets = new LinkedBlockingQueue<>();
    Disposable d = client.windows().subscribe(sets::add);
    stream.failNextRead(new ProtocolException("broken", FakeStateStream.URL, null, 200, null));
    client.window(inside(1)).test().awaitDone(5, SECONDS).assertError(ProtocolException.class);
    awaitSet(sets, s -> count(s, WindowState.FAILED) == 1);
    awaitSet(sets, List::isEmpty);

    StateView view = await(client.window(inside(1)));
    assertThat(asMap(view)).isEqualTo(log.replayTo(inside(1)));
    assertThat(stream.reads).hasSize(2);
    d.dispose();
  }

  @Test
  void timeBeforeTheFirstKeyframeIsOutOfRange() {
    RStreamClient client = client(builder(stream));
    client
        .window(log.first.minusMillis(1))
        .test()
        .awaitDone(5, SECONDS)
        .assertError(
            e ->
                e instanceof OutOfRangeException
                    && ((OutOfRangeException) e).firstKeyframe().equals(log.first));
  }

  @Test
  void anotherClientWithTheSameStoreAnswersFromItWithoutReadingTheStream() throws Exception {
    LocalStore store = LocalStore.inMemory();
    Instant time = inside(4);
    await(client(builder(stream).store(store)).window(time));
    assertThat(stream.reads).hasSize(1);

    FakeStateStream second = new FakeStateStream(log);
    StateView view = await(client(builder(second).store(store)).window(time));
    assertThat(view.fromStore()).isTrue();
    assertThat(asMap(view)).isEqualTo(log.replayTo(time));
    assertThat(second.reads).isEmpty();
  }

  @Test
  void withoutACompanionIndexTheStreamIsScannedOnceAndTheIndexKept() throws Exception {
    stream.index = null;
    LocalStore store = LocalStore.inMemory();
    RStreamClient client = client(builder(stream).store(store));
    for (int n = 0; n < lastingWindows(); n++) {
      Instant time = inside(n);
      assertThat(asMap(await(client.window(time)))).isEqualTo(log.replayTo(time));
    }
    ReadOptions scan = stream.reads.poll(5, SECONDS);
    assertThat(scan.offset()).isEqualTo(Offset.START);
    assertThat(stream.reads).isEmpty(); // every window came from the scan

    // The live cursor continues the live window the scan read: it reads only what follows it.
    TestSubscriber<StateView> live = client.live().test();
    live.awaitCount(1);
    assertThat(asMap(live.values().get(0))).isEqualTo(log.replayTo(log.last));
    ReadOptions tail = stream.reads.poll(5, SECONDS);
    assertThat(tail.liveMode()).isEqualTo(LiveMode.AUTO);
    assertThat(tail.offset()).isEqualTo(log.messages.get(log.messages.size() - 1).offset());
    live.cancel();

    FakeStateStream restarted = new FakeStateStream(log);
    restarted.index = null;
    RStreamClient second = client(builder(restarted).store(store));
    Instant time = inside(lastingWindows() - 1);
    assertThat(asMap(await(second.window(time)))).isEqualTo(log.replayTo(time));
    assertThat(restarted.reads).isEmpty(); // no second scan: index and windows are in the store
  }

  @Test
  void liveAsFirstCallWithoutACompanionIndexTailsAfterTheScanInsteadOfRereading() throws Exception {
    stream.index = null;
    RStreamClient client = client(builder(stream));
    TestSubscriber<StateView> live = client.live().test();
    live.awaitCount(1);
    assertThat(asMap(live.values().get(live.values().size() - 1)))
        .isEqualTo(log.replayTo(log.last));
    assertThat(stream.reads.poll(5, SECONDS).offset()).isEqualTo(Offset.START); // the scan
    ReadOptions tail = stream.reads.poll(5, SECONDS);
    assertThat(tail.offset()).isEqualTo(log.messages.get(log.messages.size() - 1).offset());
    assertThat(stream.reads).isEmpty();
    live.cancel();
  }

  @Test
  void liveSubscribersShareOneConnectionAndSeeEveryChangeOnce() throws Exception {
    RStreamClient client = client(builder(stream));
    TestSubscriber<StateView> first = client.live().test();
    first.awaitCount(1);
    assertThat(asMap(first.values().get(0))).isEqualTo(log.replayTo(log.last));

    TestSubscriber<StateView> late = client.live().test();
    late.awaitCount(1); // the current state at once, no new read
    assertThat(late.values().get(0).offset()).isEqualTo(first.values().get(0).offset());
    assertThat(stream.reads).hasSize(1);
    assertThat(stream.reads.peek().liveMode()).isEqualTo(LiveMode.AUTO);

    int before = log.messages.size();
    for (int i = 0; i < 5; i++) log.changeUnit();
    stream.publish();
    int added = log.messages.size() - before;
    // One view per unit (its changes are appended together), carrying the unit's changes.
    first.awaitCount(1 + 5);
    late.awaitCount(1 + 5);
    assertThat(first.values()).hasSize(1 + 5);
    assertThat(first.values().stream().skip(1).mapToInt(v -> v.changes().size()).sum())
        .as("every change once")
        .isEqualTo(added);
    assertDistinctIncreasingOffsets(first.values());
    assertThat(asMap(first.values().get(first.values().size() - 1)))
        .isEqualTo(log.replayTo(log.last));
    assertThat(late.values().get(late.values().size() - 1).offset())
        .isEqualTo(first.values().get(first.values().size() - 1).offset());
    assertThat(stream.reads).hasSize(1);
    assertThat(stream.liveReaders()).isEqualTo(1);
  }

  private static void assertDistinctIncreasingOffsets(List<StateView> views) {
    // A view per unit: its offset is exact, so offsets strictly increase; no change repeats.
    List<Change> changes = new ArrayList<>();
    for (StateView view : views) changes.addAll(view.changes());
    assertThat(changes).doesNotHaveDuplicates();
    for (int i = 1; i < views.size(); i++) {
      assertThat(views.get(i).offset()).isGreaterThan(views.get(i - 1).offset());
    }
  }

  @Test
  void lastSubscriberLeavingClosesTheConnectionAndTheNextResumesWithoutRereading()
      throws Exception {
    RStreamClient client = client(builder(stream));
    TestSubscriber<StateView> first = client.live().test();
    first.awaitCount(1);
    Offset reached = first.values().get(0).offset();
    first.cancel();
    awaitTrue(() -> stream.liveReaders() == 0);
    stream.reads.clear();

    TestSubscriber<StateView> next = client.live().test();
    next.awaitCount(1);
    assertThat(next.values().get(0).offset()).isEqualTo(reached); // held state at once
    assertThat(stream.reads.poll(5, SECONDS).offset()).isEqualTo(reached); // resumes, no re-read
    next.cancel();
  }

  @Test
  void aRestartedClientContinuesTheStoredLiveWindowWithoutRereadingIt() throws Exception {
    LocalStore store = LocalStore.inMemory();
    RStreamClient first = client(builder(stream).store(store));
    TestSubscriber<StateView> live = first.live().test();
    live.awaitCount(1);
    Offset reached = live.values().get(0).offset();
    live.cancel();
    awaitTrue(() -> stream.liveReaders() == 0);
    first.close();

    log.changeUnit(); // written while no client ran
    FakeStateStream restarted = new FakeStateStream(log);
    TestSubscriber<StateView> again = client(builder(restarted).store(store)).live().test();
    again.awaitCount(2);
    assertThat(again.values().get(0).fromStore()).isTrue();
    assertThat(again.values().get(0).offset()).isEqualTo(reached);
    assertThat(asMap(again.values().get(again.values().size() - 1)))
        .isEqualTo(log.replayTo(log.last));
    assertThat(again.values().get(again.values().size() - 1).fromStore()).isFalse();
    assertThat(restarted.reads.poll(5, SECONDS).offset()).isEqualTo(reached); // only what is new
    assertThat(restarted.reads).isEmpty();
    again.cancel();
  }

  @Test
  void aLiveWindowThatEndedWhileNoCursorRanIsReadOnlyPastWhatWasHeld() throws Exception {
    RStreamClient client = client(builder(stream));
    TestSubscriber<StateView> live = client.live().test();
    live.awaitCount(1);
    Offset held = live.values().get(0).offset();
    live.cancel();
    awaitTrue(() -> stream.liveReaders() == 0);
    stream.reads.clear();

    log.changeUnit();
    // Just before the keyframe: a keyframe shares the time of its last change, and covers it.
    Instant inOldWindow = log.last.minusMillis(1);
    log.keyframe(); // the index (the fake serves the log's) now ends the old live window
    log.changeUnit();
    StateView view = await(client.window(inOldWindow));
    assertThat(asMap(view)).isEqualTo(log.replayTo(inOldWindow));
    ReadOptions read = stream.reads.poll(5, SECONDS);
    assertThat(read.offset()).isEqualTo(held); // not the old keyframe: that part is held
    assertThat(read.endOffset()).isEqualTo(log.keyframes.get(log.keyframes.size() - 1).offset());
    assertThat(stream.reads).isEmpty();
  }

  @Test
  void resubscribingWithinTheLingerReusesTheConnection() throws Exception {
    RStreamClient client = client(builder(stream).liveLinger(1, TimeUnit.HOURS));
    TestSubscriber<StateView> first = client.live().test();
    first.awaitCount(1);
    first.cancel();
    TestSubscriber<StateView> second = client.live().test();
    second.awaitCount(1);
    assertThat(second.values().get(0).offset()).isEqualTo(first.values().get(0).offset());
    assertThat(stream.reads).hasSize(1);
    assertThat(stream.liveReaders()).isEqualTo(1);
    second.cancel();
    client.close(); // closes the lingering connection
    awaitTrue(() -> stream.liveReaders() == 0);
  }

  @Test
  void transientFailureIsInvisibleAndResumesWithoutDuplicatesOrGaps() throws Exception {
    RStreamClient client = client(builder(stream));
    List<Progress> progress = new CopyOnWriteArrayList<>();
    Disposable p = client.progress().subscribe(progress::add);
    TestSubscriber<StateView> live = client.live().test();
    live.awaitCount(1);

    int before = log.messages.size();
    log.changeUnit();
    log.changeUnit();
    // Half a response arrives, then the connection is lost for good (the transport gave up).
    stream.publishHalfThenDrop(
        new TransientException("reset by peer", FakeStateStream.URL, null, 0, null));
    awaitTrue(() -> stream.liveReaders() == 1); // reconnected after backoff
    stream.publish();
    int added = log.messages.size() - before;
    // The current state, then one per unit (its changes are appended together).
    live.awaitCount(3);
    live.assertNoErrors();
    assertDistinctIncreasingOffsets(live.values());
    assertThat(live.values()).hasSize(3);
    assertThat(live.values().get(1).changes().size() + live.values().get(2).changes().size())
        .as("the changes of both units, none twice, none lost")
        .isEqualTo(added);
    assertThat(asMap(live.values().get(live.values().size() - 1)))
        .isEqualTo(log.replayTo(log.last));
    assertThat(progress).extracting(Progress::live).contains(Progress.Live.RECONNECTING);
    p.dispose();
  }

  @Test
  void fatalErrorFailsEverySubscriberAndTheNextStartsAFreshCursor() throws Exception {
    RStreamClient client = client(builder(stream));
    TestSubscriber<StateView> a = client.live().test();
    TestSubscriber<StateView> b = client.live().test();
    a.awaitCount(1);
    stream.dropLiveReaders(
        new StreamNotFoundException("deleted", FakeStateStream.URL, null, 404, null));
    a.awaitDone(5, SECONDS).assertError(StreamNotFoundException.class);
    b.awaitDone(5, SECONDS).assertError(StreamNotFoundException.class);

    TestSubscriber<StateView> c = client.live().test();
    c.awaitCount(1);
    c.assertNoErrors();
    assertThat(stream.liveReaders()).isEqualTo(1);
    c.cancel();
  }

  @Test
  void resetControlDropsEverythingAndRebuildsFromItsOffset() throws Exception {
    LocalStore store = LocalStore.inMemory();
    RStreamClient client = client(builder(stream).store(store));
    await(client.window(inside(1))); // a committed window, in memory and in the store
    TestSubscriber<StateView> live = client.live().test();
    live.awaitCount(1);
    stream.reads.clear();

    log.changeUnit();
    log.reset();
    Offset resetAt = log.messages.get(log.messages.size() - 1).offset();
    log.changeUnit();
    log.changeUnit();
    stream.publish(); // the cursor stops at the reset and reconnects from it
    stream.publish();
    awaitTrue(
        () ->
            asMap(live.values().get(live.values().size() - 1)).equals(log.replayTo(log.last))
                && live.values().get(live.values().size() - 1).size() > 0);
    live.assertNoErrors();
    assertThat(live.values()).anyMatch(v -> v.size() == 0 && v.offset().equals(resetAt));
    ReadOptions rebuild =
        stream.reads.stream().filter(r -> r.offset().equals(resetAt)).findFirst().orElse(null);
    assertThat(rebuild).as("a read from the reset's offset").isNotNull();
    assertThat(client.windows().blockingFirst())
        .extracting(WindowInfo::state)
        .containsOnly(WindowState.LIVE);
    assertThat(store.keyframes(FakeStateStream.URL)).isEmpty();
    assertThat(store.window(FakeStateStream.URL, log.keyframes.get(1).offset().value())).isNull();
  }

  @Test
  void goneLiveOffsetRebuildsFromTheStartWithoutRepeatingWhatSubscribersHold() throws Exception {
    RStreamClient client = client(builder(stream));
    TestSubscriber<StateView> live = client.live().test();
    live.awaitCount(1);
    stream.reads.clear();
    // A 410 that retention did not cause: the server still serves every window.
    stream.dropLiveReaders(
        new OffsetGoneException("retention", FakeStateStream.URL, null, 410, null));
    ReadOptions restart = stream.reads.poll(5, SECONDS);
    assertThat(restart.offset())
        .as("the oldest keyframe the server serves")
        .isEqualTo(Offset.START);

    int before = log.messages.size();
    log.changeUnit();
    stream.publish();
    int added = log.messages.size() - before;
    // The current state, then one for the unit (its changes are appended together).
    live.awaitCount(2);
    live.assertNoErrors();
    assertDistinctIncreasingOffsets(live.values());
    assertThat(live.values()).hasSize(2);
    assertThat(live.values().get(1).changes()).as("the unit's changes, none lost").hasSize(added);
    assertThat(live.values().get(1).rebuilt()).as("the first view after the rebuild").isTrue();
    assertThat(asMap(live.values().get(live.values().size() - 1)))
        .isEqualTo(log.replayTo(log.last));
  }

  @Test
  void keyframeInTheLiveWindowCommitsItAndStartsANewLiveWindow() throws Exception {
    RStreamClient client = client(builder(stream));
    TestSubscriber<StateView> live = client.live().test();
    live.awaitCount(1);
    String oldLive = live.values().get(0).windowId();
    Instant inOldLive = log.last;
    log.keyframe();
    log.changeUnit();
    stream.publish();
    awaitTrue(() -> !live.values().get(live.values().size() - 1).windowId().equals(oldLive));
    List<WindowInfo> set = client.windows().blockingFirst();
    WindowInfo committed =
        set.stream().filter(w -> w.id().equals(oldLive)).findFirst().orElseThrow();
    assertThat(committed.state()).isEqualTo(WindowState.COMMITTED);
    assertThat(committed.end()).isEqualTo(log.keyframes.get(log.keyframes.size() - 1));
    assertThat(set.get(set.size() - 1).state()).isEqualTo(WindowState.LIVE);

    stream.reads.clear();
    TestSubscriber<StateView> past = client.window(inOldLive).test();
    past.awaitDone(5, SECONDS).assertComplete();
    assertThat(asMap(past.values().get(0))).isEqualTo(log.replayTo(inOldLive));
    assertThat(stream.reads).isEmpty();
  }

  @Test
  void passedTimeInTheLiveWindowCompletesAndFutureTimeBehavesLikeLive() throws Exception {
    RStreamClient client = client(builder(stream));
    Instant passed = log.last.minusMillis(1);
    StateView view = await(client.window(passed));
    assertThat(asMap(view)).isEqualTo(log.replayTo(passed));

    RStreamClient nowIsEarly =
        client(
            builder(new FakeStateStream(log))
                .clock(Clock.fixed(log.last.plusSeconds(1), ZoneOffset.UTC)));
    TestSubscriber<StateView> future = nowIsEarly.window(log.last.plusSeconds(60)).test();
    future.awaitCount(1);
    future.assertNotComplete();
    assertThat(asMap(future.values().get(0))).isEqualTo(log.replayTo(log.last));
    future.cancel();
  }

  @Test
  void changesReplayHistoryInOrderAcrossWindows() {
    RStreamClient client = client(builder(stream));
    Instant from = inside(2);
    Instant to = log.last.plusMillis(1);
    List<Change> replayed = client.changes(from, to).timeout(5, SECONDS).toList().blockingGet();
    List<Change> expected = new ArrayList<>();
    boolean inKeyframe = false;
    for (StateMessage message : log.messages) {
      if (message.control() != null) {
        inKeyframe = message.control().kind() == Control.Kind.SNAPSHOT_START;
        continue;
      }
      Instant t = message.change().timestamp();
      if (!inKeyframe && !t.isBefore(from) && t.isBefore(to)) expected.add(message.change());
    }
    assertThat(replayed).isEqualTo(expected);
  }

  @Test
  void windowAndChangesUseEffectiveTimestampsWhenAWriterIsTenMinutesBehind() {
    GeneratedLog skewed = new GeneratedLog(23, 3, 5, true);
    skewed.changeUnit();
    Instant afterFirst = skewed.last;
    skewed.skewedChangeUnit(java.time.Duration.ofMinutes(10));
    skewed.changeUnit();
    skewed.keyframe();
    skewed.skewedChangeUnit(java.time.Duration.ofMinutes(10));
    skewed.changeUnit();
    RStreamClient client = client(builder(new FakeStateStream(skewed)));

    // A time between the slow writer's stamp and the change before it: not yet in the state.
    Instant between = afterFirst.minusMillis(1);
    assertThat(asMap(await(client.window(between)))).isEqualTo(skewed.replayTo(between));
    StateView early = await(client.window(afterFirst.minusSeconds(300)));
    assertThat(asMap(early)).isEqualTo(skewed.replayTo(afterFirst.minusSeconds(300)));
    if (early.timestamp() != null)
      assertThat(early.timestamp()).isBeforeOrEqualTo(afterFirst.minusSeconds(300));
    for (Instant t = skewed.first.minusSeconds(1); !t.isAfter(skewed.last); t = t.plusMillis(700)) {
      assertThat(asMap(await(client.window(t)))).as("state at %s", t).isEqualTo(skewed.replayTo(t));
    }
    // changes(from, to) selects by effective time too: the skewed changes count as late as the
    // change before them.
    List<Change> replayed =
        client
            .changes(afterFirst, skewed.last.plusMillis(1))
            .timeout(5, SECONDS)
            .toList()
            .blockingGet();
    assertThat(replayed.stream().filter(c -> c.key().startsWith("skewed")).count()).isEqualTo(2);
  }

  @Test
  void changesReadsWindowsOnlyAsTheSubscriberAsks() throws Exception {
    RStreamClient client = client(builder(stream));
    Instant from = log.first;
    Instant to = log.keyframes.get(log.keyframes.size() - 1).timestamp();
    TestSubscriber<Change> changes = client.changes(from, to).test(0);
    changes.request(1);
    changes.awaitCount(1);
    // The windows up to the first holding a change (some hold none), and at most two ahead.
    Offset firstChange = changes.values().get(0).offset();
    int needed = 0;
    while (log.keyframes.get(needed).offset().compareTo(firstChange) < 0) needed++;
    assertThat(stream.reads.size())
        .as("windows read for one change")
        .isLessThanOrEqualTo(needed + 2);
    changes.request(Long.MAX_VALUE);
    changes.awaitDone(5, SECONDS).assertComplete();
    assertThat(stream.reads.size()).isGreaterThan(needed + 2);
  }

  @Test
  void slowLiveSubscriberGetsTheLatestStateNotABacklog() throws Exception {
    RStreamClient client = client(builder(stream));
    TestSubscriber<StateView> slow = client.live().test(1);
    slow.awaitCount(1);
    for (int i = 0; i < 30; i++) log.changeUnit();
    stream.publish();
    Offset tail = log.messages.get(log.messages.size() - 1).offset();
    client.awaitOffset(tail).timeout(5, SECONDS).blockingAwait();
    slow.request(1);
    slow.awaitCount(2);
    assertThat(slow.values().get(1).offset()).isEqualTo(tail); // conflated to the latest
    assertThat(asMap(slow.values().get(1))).isEqualTo(log.replayTo(log.last));
    slow.cancel();
  }

  @Test
  void awaitOffsetCompletesOnceLiveStateReachesIt() throws Exception {
    RStreamClient client = client(builder(stream));
    TestSubscriber<StateView> live = client.live().test();
    live.awaitCount(1);
    log.changeUnit();
    Offset target = log.messages.get(log.messages.size() - 1).offset();
    var done = client.awaitOffset(target).test();
    done.assertNotComplete();
    stream.publish();
    done.awaitDone(5, SECONDS).assertComplete();
  }

  @Test
  void awaitOffsetDoesNotWaitForAnEarlierSubscriberToBeShownTheOffset() throws Exception {
    RStreamClient client = client(builder(stream));
    java.util.concurrent.atomic.AtomicReference<Offset> target =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.CountDownLatch shown = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    List<Offset> seen = new CopyOnWriteArrayList<>();
    Disposable slow =
        client
            .live()
            .subscribe(
                view -> {
                  if (view.offset().equals(target.get())) {
                    shown.countDown();
                    release.await(5, SECONDS);
                  }
                  seen.add(view.offset());
                });
    awaitTrue(() -> !seen.isEmpty());
    log.changeUnit();
    target.set(log.messages.get(log.messages.size() - 1).offset());
    Thread publisher =
        new Thread(stream::publish, "publisher"); // blocked in the subscriber, over there
    publisher.start();
    assertThat(shown.await(5, SECONDS))
        .as("the slow subscriber is being shown the offset")
        .isTrue();
    // The client has applied it: waiting for it ends, though that subscriber has not seen it yet.
    // So a test that reads what a subscriber collected waits on that, not on awaitOffset.
    client.awaitOffset(target.get()).timeout(5, SECONDS).blockingAwait();
    assertThat(seen).doesNotContain(target.get());
    release.countDown();
    publisher.join(5_000);
    assertThat(seen).endsWith(target.get());
    slow.dispose();
  }

  @Test
  void closeCompletesEveryStream() {
    RStreamClient client = client(builder(stream));
    TestSubscriber<StateView> live = client.live().test();
    TestSubscriber<List<WindowInfo>> windows = client.windows().test();
    live.awaitCount(1);
    client.close();
    live.awaitDone(5, SECONDS).assertComplete();
    windows.awaitDone(5, SECONDS).assertComplete();
    assertThat(stream.liveReaders()).isZero();
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 5 s").isLessThan(deadline);
      Thread.sleep(5); // polls a condition with a deadline; not a sleep that hopes
    }
  }
}
