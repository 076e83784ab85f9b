package dev.rstream;

import static dev.rstream.FakeStreamClients.asMap;
import static dev.rstream.FakeStreamClients.assertDistinctIncreasingOffsets;
import static dev.rstream.FakeStreamClients.await;
import static dev.rstream.FakeStreamClients.builder;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.durable.ReadOptions;
import dev.rstream.testing.Await;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What live subscribers see when the live read fails: nothing for a transient failure, the error
 * for a fatal one, and a rebuild for a reset or a gone offset, without repeats or gaps.
 */
class RStreamClientLiveRecoveryTest extends FakeStreamClientTest {
  @Test
  void transientFailureIsInvisibleAndResumesWithoutDuplicatesOrGaps() throws Exception {
    RStreamClient client = clients.client(builder(stream));
    List<Progress> progress = new CopyOnWriteArrayList<>();
    Disposable p = client.progress().subscribe(progress::add);
    TestSubscriber<StateView> live = caughtUpLive(client);

    int before = log.messages.size();
    log.changeUnit();
    log.changeUnit();
    // Half a response arrives, then the connection is lost for good (the transport gave up).
    stream.publishHalfThenDrop(
        new TransientException("reset by peer", FakeStateStream.URL, null, 0, null));
    Await.until(() -> stream.liveReaders() == 1, "the live read reconnected after backoff");
    stream.publish();
    int added = log.messages.size() - before;
    // The current state, then one per unit (its changes are appended together).
    assertViewsPerUnit(live, 3);
    assertThat(live.values().get(1).changes().size() + live.values().get(2).changes().size())
        .as("the changes of both units, none twice, none lost")
        .isEqualTo(added);
    assertThat(asMap(latest(live))).isEqualTo(log.replayTo(log.last));
    assertThat(progress).extracting(Progress::live).contains(Progress.Live.RECONNECTING);
    p.dispose();
  }

  @Test
  void fatalErrorFailsEverySubscriberAndTheNextStartsAFreshCursor() throws Exception {
    RStreamClient client = clients.client(builder(stream));
    TestSubscriber<StateView> a = client.live().test();
    TestSubscriber<StateView> b = client.live().test();
    a.awaitCount(1);
    stream.dropLiveReaders(
        new StreamNotFoundException("deleted", FakeStateStream.URL, null, 404, null));
    a.awaitDone(5, SECONDS).assertError(StreamNotFoundException.class);
    b.awaitDone(5, SECONDS).assertError(StreamNotFoundException.class);

    TestSubscriber<StateView> c = caughtUpLive(client);
    c.assertNoErrors();
    assertThat(stream.liveReaders()).isEqualTo(1);
    c.cancel();
  }

  @Test
  void resetControlDropsEverythingAndRebuildsFromItsOffset() throws Exception {
    LocalStore store = LocalStore.inMemory();
    RStreamClient client = clients.client(builder(stream).store(store));
    await(client.window(log.inside(1))); // a committed window, in memory and in the store
    TestSubscriber<StateView> live = caughtUpLive(client);
    stream.reads.clear();

    log.changeUnit();
    log.reset();
    Offset resetAt = log.lastOffset();
    log.changeUnit();
    log.changeUnit();
    stream.publish(); // the cursor stops at the reset and reconnects from it
    stream.publish();
    Await.until(
        () -> asMap(latest(live)).equals(log.replayTo(log.last)) && latest(live).size() > 0,
        "the rebuilt state shown");
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
    RStreamClient client = clients.client(builder(stream));
    TestSubscriber<StateView> live = caughtUpLive(client);
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
    assertViewsPerUnit(live, 2);
    assertThat(live.values().get(1).changes()).as("the unit's changes, none lost").hasSize(added);
    assertThat(live.values().get(1).rebuilt()).as("the first view after the rebuild").isTrue();
    assertThat(asMap(latest(live))).isEqualTo(log.replayTo(log.last));
  }

  /**
   * {@code live} has exactly {@code views} views and no error; offsets strictly increase and no
   * change repeats.
   */
  private static void assertViewsPerUnit(TestSubscriber<StateView> live, int views) {
    live.awaitCount(views);
    live.assertNoErrors();
    assertDistinctIncreasingOffsets(live.values());
    assertThat(live.values()).hasSize(views);
  }
}
