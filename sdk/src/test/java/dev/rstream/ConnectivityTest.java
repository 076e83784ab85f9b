package dev.rstream;

import static dev.rstream.LinkedStream.awaitLive;
import static dev.rstream.LinkedStream.fastRetry;
import static dev.rstream.LinkedStream.tenMinuteBackoff;
import static dev.rstream.LinkedStream.valuesThrough;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.Await;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.File;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Connectivity} against the real server-stub, over a network link that goes down and comes
 * back on real sockets: the live connection follows the network and the app's visibility, sends
 * nothing while it should not, and live subscribers see every change exactly once.
 */
@ExtendWith(UndeliveredRxErrors.class)
class ConnectivityTest {
  @TempDir File dir;
  @RegisterExtension final StubServerExtension server = StubServerExtension.inMemory();

  private LinkedStream stream;
  private SqliteStore store;

  @BeforeEach
  void start() throws IOException {
    stream = LinkedStream.create(server);
    store = SqliteStore.open(new File(dir, "app.db"));
  }

  @AfterEach
  void stop() {
    stream.close();
    store.close();
  }

  /** A reader over the link, retrying the live read by {@code retry}. */
  private RStreamClient reader(RetryPolicy retry) {
    return reader(retry, LiveTransport.AUTO);
  }

  private RStreamClient reader(RetryPolicy retry, LiveTransport transport) {
    return stream.reader(
        store,
        retry,
        builder ->
            builder
                .liveTransport(transport)
                .clock(Clock.fixed(Instant.parse("2100-01-01T00:00:00Z"), ZoneOffset.UTC)));
  }

  /** A reader that is live, its subscriber shown the first view. */
  private TestSubscriber<StateView> goLive(RStreamClient reader) {
    TestSubscriber<StateView> live = reader.live().test();
    awaitLive(reader, Progress.Live.CONNECTED);
    live.awaitCount(1);
    return live;
  }

  /** Appends {@code n} changes and waits until {@code live} and the connection have them. */
  private Offset appendSeen(RStreamClient reader, TestSubscriber<StateView> live, int n)
      throws InterruptedException {
    Offset offset = stream.append(n);
    LiveViews.latestAtOrPast(live, offset);
    awaitLive(reader, Progress.Live.CONNECTED);
    return offset;
  }

  @Test
  void networkLostEndsTheLiveReadQuietlyAndSendsNothingUntilItIsBack() throws Exception {
    RStreamClient reader = reader(fastRetry());
    TestSubscriber<StateView> live = goLive(reader);
    Offset first = appendSeen(reader, live, 3);

    stream.link().down(); // the read fails and retries every few milliseconds...
    reader.connectivity().networkLost(); // ...until the platform says the network is gone
    awaitLive(reader, Progress.Live.OFFLINE);
    Await.until(() -> !stream.http().liveReadOpen(), "no live call open");
    Await.until(() -> stream.timers().pending() == 0, "no retry or reconnect pending");
    int sent = stream.http().sent();
    Offset more = stream.append(3);
    assertThat(stream.http().sent()).as("no request while offline").isEqualTo(sent);
    assertThat(stream.timers().pending()).as("nothing will send one").isZero();
    live.assertNoErrors().assertNotComplete();
    assertThat(reader.progress().blockingFirst().live()).isEqualTo(Progress.Live.OFFLINE);

    stream.link().up();
    reader.connectivity().networkAvailable();
    assertThat(valuesThrough(live, more)).isEqualTo(stream.appendedValues());
    assertThat(stream.readsSince(sent).get(0).queryParameter("offset")).isEqualTo(first.value());
    live.assertNoErrors().assertNotComplete();
  }

  @Test
  void networkAvailableReconnectsAtOnceInsteadOfWaitingOutTheBackoff() throws Exception {
    RStreamClient reader = reader(tenMinuteBackoff());
    TestSubscriber<StateView> live = goLive(reader);
    Offset first = appendSeen(reader, live, 2);

    stream.link().down();
    awaitLive(reader, Progress.Live.RECONNECTING);
    Await.until(() -> stream.timers().pending() > 0, "the retry waits out its backoff");
    int sent = stream.http().sent();
    Offset more = stream.append(2);
    stream.link().up();
    reader.connectivity().networkAvailable();

    assertThat(valuesThrough(live, more)).isEqualTo(stream.appendedValues());
    List<HttpUrl> reads = stream.readsSince(sent);
    assertThat(reads).isNotEmpty();
    assertThat(reads.get(0).queryParameter("offset")).isEqualTo(first.value());
    live.assertNoErrors().assertNotComplete();
  }

  @Test
  void aNewDefaultNetworkDropsTheOpenConnectionAndOpensAnotherWithoutADuplicate() throws Exception {
    RStreamClient reader = reader(fastRetry());
    TestSubscriber<StateView> live = goLive(reader);
    Offset first = appendSeen(reader, live, 2);
    List<Integer> before = stream.link().openConnections();
    assertThat(before).isNotEmpty();
    int opened = stream.link().connectionsOpened();
    int sent = stream.http().sent();

    reader.connectivity().networkAvailable(); // the default network changed; the old looks alive

    Await.until(
        () -> before.stream().noneMatch(stream.link().openConnections()::contains),
        "every connection of the old network closed");
    Await.until(() -> stream.link().connectionsOpened() > opened, "a new connection opened");
    awaitLive(reader, Progress.Live.CONNECTED);
    Offset more = stream.append(3);
    assertThat(valuesThrough(live, more)).isEqualTo(stream.appendedValues());
    List<HttpUrl> reads = stream.readsSince(sent);
    assertThat(reads.get(0).queryParameter("offset")).isEqualTo(first.value());
    for (String event : stream.link().events()) {
      if (event.startsWith("close ")) {
        assertThat(Integer.parseInt(event.substring(6))).isNotIn(stream.link().openConnections());
      }
    }
    live.assertNoErrors().assertNotComplete();
  }

  @Test
  void backgroundClosesTheConnectionAndForegroundCatchesUpFromTheStoredOffset() throws Exception {
    RStreamClient reader = reader(fastRetry());
    TestSubscriber<StateView> live = goLive(reader);
    Offset first = appendSeen(reader, live, 3);
    stream.awaitStoredLive(store, first);

    reader.connectivity().background();
    awaitLive(reader, Progress.Live.IDLE);
    Await.until(() -> !stream.http().liveReadOpen(), "no live call open");
    Await.until(() -> stream.timers().pending() == 0, "nothing pending");
    int sent = stream.http().sent();
    Offset more = stream.append(4);
    assertThat(stream.http().sent()).as("no request in the background").isEqualTo(sent);

    reader.connectivity().foreground();
    assertThat(valuesThrough(live, more)).isEqualTo(stream.appendedValues());
    assertThat(stream.readsSince(sent).get(0).queryParameter("offset")).isEqualTo(first.value());
    live.assertNoErrors().assertNotComplete();
  }

  @Test
  void holdsAddUpTheConnectionOpensOnlyOnceNoneIsLeft() throws Exception {
    RStreamClient reader = reader(fastRetry());
    TestSubscriber<StateView> live = goLive(reader);
    appendSeen(reader, live, 1);

    reader.connectivity().background();
    reader.connectivity().networkLost();
    awaitLive(reader, Progress.Live.OFFLINE);
    reader.connectivity().foreground(); // still offline
    awaitLive(reader, Progress.Live.OFFLINE);
    reader.pause();
    reader.connectivity().networkAvailable(); // still paused
    awaitLive(reader, Progress.Live.IDLE);
    Await.until(
        () -> !stream.http().liveReadOpen() && stream.timers().pending() == 0,
        "nothing open, nothing pending");
    int sent = stream.http().sent();
    Offset more = stream.append(2);
    assertThat(stream.http().sent()).isEqualTo(sent);

    reader.resume();
    assertThat(valuesThrough(live, more)).isEqualTo(stream.appendedValues());
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
    TestSubscriber<StateView> live = goLive(reader);
    appendSeen(reader, live, 1);

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
    Offset more = stream.appendNext(2500);

    assertThat(valuesThrough(live, more)).isEqualTo(stream.appendedValues());
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
    assertThat(stream.http().sent()).isZero();
  }
}
