package dev.rstream;

import static dev.rstream.FakeStreamClients.asMap;
import static dev.rstream.FakeStreamClients.await;
import static dev.rstream.FakeStreamClients.builder;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.durable.LiveMode;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.window.GeneratedLog;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Past windows: each is read once, only its own range, however many ask at once; then held in
 * memory and in the store; without a companion index, one scan finds the keyframes.
 */
class RStreamClientWindowTest extends FakeStreamClientTest {
  @Test
  void pastTimeReadsOnlyItsWindowThenAnswersFromMemoryWithoutARequest() throws Exception {
    RStreamClient client = clients.client(builder(stream));
    Instant time = log.inside(3);
    StateView view = await(client.window(time));
    assertThat(asMap(view)).isEqualTo(log.replayTo(time));
    assertThat(view.fromStore()).isFalse();
    int k = log.keyframeIndexOf(view.windowId());
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
    RStreamClient client = clients.client(builder(stream));
    stream.closeGate();
    List<TestSubscriber<StateView>> waiting = new ArrayList<>();
    for (int i = 0; i < 5; i++) waiting.add(client.window(log.inside(2).plusMillis(i)).test());
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
    RStreamClient client = clients.client(builder(stream).maxParallelFetches(3));
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
  void timeBeforeTheFirstKeyframeIsOutOfRange() {
    RStreamClient client = clients.client(builder(stream));
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
    Instant time = log.inside(4);
    await(clients.client(builder(stream).store(store)).window(time));
    assertThat(stream.reads).hasSize(1);

    FakeStateStream second = new FakeStateStream(log);
    StateView view = await(clients.client(builder(second).store(store)).window(time));
    assertThat(view.fromStore()).isTrue();
    assertThat(asMap(view)).isEqualTo(log.replayTo(time));
    assertThat(second.reads).isEmpty();
  }

  @Test
  void withoutACompanionIndexTheStreamIsScannedOnceAndTheIndexKept() throws Exception {
    stream.index = null;
    LocalStore store = LocalStore.inMemory();
    RStreamClient client = clients.client(builder(stream).store(store));
    for (int n = 0; n < log.lastingWindows(); n++) {
      Instant time = log.inside(n);
      assertThat(asMap(await(client.window(time)))).isEqualTo(log.replayTo(time));
    }
    ReadOptions scan = stream.reads.poll(5, SECONDS);
    assertThat(scan.offset()).isEqualTo(Offset.START);
    assertThat(stream.reads).isEmpty(); // every window came from the scan

    // The live cursor continues the live window the scan read: it reads only what follows it.
    TestSubscriber<StateView> live = caughtUpLive(client);
    assertThat(asMap(live.values().get(0))).isEqualTo(log.replayTo(log.last));
    ReadOptions tail = stream.reads.poll(5, SECONDS);
    assertThat(tail.liveMode()).isEqualTo(LiveMode.AUTO);
    assertThat(tail.offset()).isEqualTo(log.lastOffset());
    live.cancel();

    FakeStateStream restarted = new FakeStateStream(log);
    restarted.index = null;
    RStreamClient second = clients.client(builder(restarted).store(store));
    Instant time = log.inside(log.lastingWindows() - 1);
    assertThat(asMap(await(second.window(time)))).isEqualTo(log.replayTo(time));
    assertThat(restarted.reads).isEmpty(); // no second scan: index and windows are in the store
  }

  @Test
  void liveAsFirstCallWithoutACompanionIndexTailsAfterTheScanInsteadOfRereading() throws Exception {
    stream.index = null;
    RStreamClient client = clients.client(builder(stream));
    TestSubscriber<StateView> live = caughtUpLive(client);
    assertThat(asMap(latest(live))).isEqualTo(log.replayTo(log.last));
    assertThat(stream.reads.poll(5, SECONDS).offset()).isEqualTo(Offset.START); // the scan
    ReadOptions tail = stream.reads.poll(5, SECONDS);
    assertThat(tail.offset()).isEqualTo(log.lastOffset());
    assertThat(stream.reads).isEmpty();
    live.cancel();
  }
}
