package dev.rstream;

import static dev.rstream.FakeStreamClients.asMap;
import static dev.rstream.FakeStreamClients.assertDistinctIncreasingOffsets;
import static dev.rstream.FakeStreamClients.await;
import static dev.rstream.FakeStreamClients.builder;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.durable.LiveMode;
import dev.rstream.durable.ReadOptions;
import dev.rstream.testing.Await;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The live state: one shared connection, held state for late subscribers, the live window carried
 * across subscribers, restarts and keyframes, conflation for slow subscribers, {@code awaitOffset},
 * and {@code close}.
 */
class RStreamClientLiveTest extends FakeStreamClientTest {
  @Test
  void liveSubscribersShareOneConnectionAndSeeEveryChangeOnce() throws Exception {
    RStreamClient client = clients.client(builder(stream));
    TestSubscriber<StateView> first = caughtUpLive(client);
    assertThat(asMap(first.values().get(0))).isEqualTo(log.replayTo(log.last));

    TestSubscriber<StateView> late = caughtUpLive(client); // the current state at once, no new read
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
    assertThat(asMap(latest(first))).isEqualTo(log.replayTo(log.last));
    assertThat(latest(late).offset()).isEqualTo(latest(first).offset());
    assertThat(stream.reads).hasSize(1);
    assertThat(stream.liveReaders()).isEqualTo(1);
  }

  @Test
  void lastSubscriberLeavingClosesTheConnectionAndTheNextResumesWithoutRereading()
      throws Exception {
    RStreamClient client = clients.client(builder(stream));
    TestSubscriber<StateView> first = caughtUpLive(client);
    Offset reached = first.values().get(0).offset();
    leaveAndForgetReads(first);

    TestSubscriber<StateView> next = caughtUpLive(client);
    assertThat(next.values().get(0).offset()).isEqualTo(reached); // held state at once
    assertThat(stream.reads.poll(5, SECONDS).offset()).isEqualTo(reached); // resumes, no re-read
    next.cancel();
  }

  /**
   * The restarted client's first view is the stored state, with or without an outbox whose pending
   * changes {@code live()} shows over it. The fake answers the read that continues the stored state
   * within the subscription that started it, as a fast network may answer before that subscription
   * returns.
   */
  @ParameterizedTest(name = "outbox {0}")
  @ValueSource(booleans = {false, true})
  void aRestartedClientContinuesTheStoredLiveWindowWithoutRereadingIt(boolean outbox)
      throws Exception {
    LocalStore store = LocalStore.inMemory();
    RStreamClient first = clients.client(builder(stream).store(store));
    TestSubscriber<StateView> live = caughtUpLive(first);
    Offset reached = live.values().get(0).offset();
    live.cancel();
    Await.until(() -> stream.liveReaders() == 0, "the live read closed");
    first.close();

    log.changeUnit(); // written while no client ran
    FakeStateStream restarted = new FakeStateStream(log);
    TestSubscriber<StateView> again =
        clients.client(builder(restarted).store(store).memoryOutbox(outbox)).live().test();
    again.awaitCount(2);
    assertThat(again.values().get(0).fromStore()).isTrue();
    assertThat(again.values().get(0).offset()).isEqualTo(reached);
    assertThat(asMap(latest(again))).isEqualTo(log.replayTo(log.last));
    assertThat(latest(again).fromStore()).isFalse();
    assertThat(restarted.reads.poll(5, SECONDS).offset()).isEqualTo(reached); // only what is new
    assertThat(restarted.reads).isEmpty();
    again.cancel();
  }

  @Test
  void aLiveWindowThatEndedWhileNoCursorRanIsReadOnlyPastWhatWasHeld() throws Exception {
    RStreamClient client = clients.client(builder(stream));
    TestSubscriber<StateView> live = caughtUpLive(client);
    Offset held = live.values().get(0).offset();
    leaveAndForgetReads(live);

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
    RStreamClient client = clients.client(builder(stream).liveLinger(1, TimeUnit.HOURS));
    TestSubscriber<StateView> first = caughtUpLive(client);
    first.cancel();
    TestSubscriber<StateView> second = caughtUpLive(client);
    assertThat(second.values().get(0).offset()).isEqualTo(first.values().get(0).offset());
    assertThat(stream.reads).hasSize(1);
    assertThat(stream.liveReaders()).isEqualTo(1);
    second.cancel();
    client.close(); // closes the lingering connection
    Await.until(() -> stream.liveReaders() == 0, "the live read closed");
  }

  @Test
  void keyframeInTheLiveWindowCommitsItAndStartsANewLiveWindow() throws Exception {
    RStreamClient client = clients.client(builder(stream));
    TestSubscriber<StateView> live = caughtUpLive(client);
    String oldLive = live.values().get(0).windowId();
    Instant inOldLive = log.last;
    log.keyframe();
    log.changeUnit();
    stream.publish();
    Await.until(() -> !latest(live).windowId().equals(oldLive), "a view of the new live window");
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
    RStreamClient client = clients.client(builder(stream));
    Instant passed = log.last.minusMillis(1);
    StateView view = await(client.window(passed));
    assertThat(asMap(view)).isEqualTo(log.replayTo(passed));

    RStreamClient nowIsEarly =
        clients.client(
            builder(new FakeStateStream(log))
                .clock(Clock.fixed(log.last.plusSeconds(1), ZoneOffset.UTC)));
    TestSubscriber<StateView> future = nowIsEarly.window(log.last.plusSeconds(60)).test();
    future.awaitCount(1);
    future.assertNotComplete();
    assertThat(asMap(future.values().get(0))).isEqualTo(log.replayTo(log.last));
    future.cancel();
  }

  @Test
  void slowLiveSubscriberGetsTheLatestStateNotABacklog() throws Exception {
    RStreamClient client = clients.client(builder(stream));
    TestSubscriber<StateView> slow = client.live().test(1);
    slow.awaitCount(1);
    for (int i = 0; i < 30; i++) log.changeUnit();
    stream.publish();
    Offset tail = log.lastOffset();
    client.awaitOffset(tail).timeout(5, SECONDS).blockingAwait();
    slow.request(1);
    slow.awaitCount(2);
    assertThat(slow.values().get(1).offset()).isEqualTo(tail); // conflated to the latest
    assertThat(asMap(slow.values().get(1))).isEqualTo(log.replayTo(log.last));
    slow.cancel();
  }

  @Test
  void awaitOffsetCompletesOnceLiveStateReachesIt() throws Exception {
    RStreamClient client = clients.client(builder(stream));
    TestSubscriber<StateView> live = caughtUpLive(client);
    log.changeUnit();
    Offset target = log.lastOffset();
    var done = client.awaitOffset(target).test();
    done.assertNotComplete();
    stream.publish();
    done.awaitDone(5, SECONDS).assertComplete();
  }

  @Test
  void awaitOffsetDoesNotWaitForAnEarlierSubscriberToBeShownTheOffset() throws Exception {
    RStreamClient client = clients.client(builder(stream));
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
    Await.until(() -> !seen.isEmpty(), "the first view shown");
    log.changeUnit();
    target.set(log.lastOffset());
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
    RStreamClient client = clients.client(builder(stream));
    TestSubscriber<StateView> live = client.live().test();
    TestSubscriber<List<WindowInfo>> windows = client.windows().test();
    live.awaitCount(1);
    client.close();
    live.awaitDone(5, SECONDS).assertComplete();
    windows.awaitDone(5, SECONDS).assertComplete();
    assertThat(stream.liveReaders()).isZero();
  }

  /** Cancels the only live subscriber, waits for the live read to close, and clears the reads. */
  private void leaveAndForgetReads(TestSubscriber<StateView> live) throws InterruptedException {
    live.cancel();
    Await.until(() -> stream.liveReaders() == 0, "the live read closed");
    stream.reads.clear();
  }
}
