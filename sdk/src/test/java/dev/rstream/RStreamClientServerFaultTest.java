package dev.rstream;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.internal.window.DurableStreamSource;
import dev.rstream.internal.window.StreamSource;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.schedulers.Schedulers;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a real server-stub that goes away: restarts on its data directory, or stays
 * down. What {@link RStreamClient#progress()} says about the live connection while the transport
 * retries, that the live subscriber rides out a restart, and what a bounded {@link
 * RStreamClient.Builder#retryPolicy} does when it gives up.
 */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamClientServerFaultTest {
  @TempDir Path dir;

  final StubServerExtension server =
      StubServerExtension.configured(builder -> builder.dataDir(dir));

  @RegisterExtension final ServerClients clients = new ServerClients(server);

  private String url;

  @BeforeEach
  void start() throws Exception {
    url = server.createStateStream("shop/orders", "changes=1000, interval=3600s");
  }

  /** A client of {@code streamUrl} whose requests retry by {@code retry}. */
  private RStreamClient client(String streamUrl, RetryPolicy retry) {
    return clients.client(clients.builder(streamUrl).retryPolicy(retry));
  }

  /** A client of the stream that reads through a source of its own retrying by {@code retry}. */
  private RStreamClient sourced(RetryPolicy retry) {
    StreamSource source =
        DurableStreamSource.create(HttpUrl.get(url), server.http(), retry, Schedulers.io(), null);
    return clients.client(ServerClients.pastEverything().source(source));
  }

  /** Unbounded retries, soon after a failure: the transport rides out a restart. */
  private static RetryPolicy quickRetries() {
    return RetryPolicy.builder().initialDelay(20, MILLISECONDS).maxDelay(200, MILLISECONDS).build();
  }

  /** Three attempts, less than 200 ms of delays in all. */
  private static RetryPolicy threeQuickAttempts() {
    return RetryPolicy.builder()
        .maxRetries(2)
        .initialDelay(10, MILLISECONDS)
        .maxDelay(50, MILLISECONDS)
        .build();
  }

  /** Takes live states until {@code wanted}; returns every state taken, {@code wanted} last. */
  private static List<Progress.Live> statesUntil(
      BlockingQueue<Progress.Live> states, Progress.Live wanted) throws InterruptedException {
    List<Progress.Live> taken = new ArrayList<>();
    while (true) {
      Progress.Live state = states.poll(15, SECONDS);
      assertThat(state).as("live state %s in time, after %s", wanted, taken).isNotNull();
      taken.add(state);
      if (state == wanted) return taken;
    }
  }

  @Test
  void liveSubscriberKeepsGoingAcrossAServerRestartOnTheSamePortWithoutDuplicates()
      throws Exception {
    // Quick retries: the subscriber must reconnect soon after the server is back.
    RetryPolicy retry = quickRetries();
    RStreamClient writer = sourced(RetryPolicy.none());
    RStreamClient reader = sourced(retry);
    BlockingQueue<StateView> views = new LinkedBlockingQueue<>();
    Disposable live = reader.live().subscribe(views::add, e -> views.add(failed(e)));
    assertThat(views.poll(10, SECONDS)).as("initial state").isNotNull();

    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      writer.append(ReferenceChanges.numbered(i)).timeout(10, SECONDS).blockingGet();
      expected.add("{\"n\":" + i + "}");
    }
    List<Change> before = LiveViews.changesSeen(views, 5);

    server.stop();
    server.startAgain();

    Offset last = null;
    for (int i = 5; i < 10; i++) {
      last = writer.append(ReferenceChanges.numbered(i)).timeout(10, SECONDS).blockingGet();
      expected.add("{\"n\":" + i + "}");
    }
    List<Change> after = LiveViews.changesSeen(views, 5);
    List<Change> all = new ArrayList<>(before);
    all.addAll(after);
    assertThat(all).extracting(Change::value).as("every change once, in order").isEqualTo(expected);
    for (int i = 1; i < all.size(); i++) {
      assertThat(all.get(i).offset())
          .as("offset %s strictly after the previous", i)
          .isGreaterThan(all.get(i - 1).offset());
    }
    assertThat(all.get(all.size() - 1).offset()).isEqualTo(last);
    // Nothing more: no replay of the changes before the restart.
    reader.awaitOffset(last).timeout(10, SECONDS).blockingAwait();
    StateView extra = views.poll(300, MILLISECONDS);
    assertThat(extra == null || extra.change() == null)
        .as("no change delivered twice: %s", extra)
        .isTrue();
    live.dispose();
  }

  @Test
  void appendWhileTheServerIsDownFailsTypedOnceTheRetryPolicyGivesUp() throws Exception {
    RStreamClient writer = sourced(threeQuickAttempts());
    writer
        .append(ReferenceChanges.numbered(0))
        .timeout(10, SECONDS)
        .blockingGet(); // the connection worked before
    server.stop();

    TestObserver<Offset> append = writer.append(ReferenceChanges.numbered(1)).test();
    // Bounded by the retry policy (3 attempts, < 200 ms of delays); the test timeout only guards a
    // hang.
    assertThat(append.await(10, SECONDS)).as("the append ends instead of hanging").isTrue();
    append.assertError(
        e ->
            e instanceof TransientException && e.getMessage() != null && !e.getMessage().isBlank());
  }

  @Test
  void progressSaysReconnectingWhileTheTransportRetriesAndConnectedOnceTheServerAnswersAgain()
      throws Exception {
    // Unbounded but quick retries: the transport, not the cursor, rides out the restart.
    RetryPolicy retry = quickRetries();
    RStreamClient writer = client(url, RetryPolicy.none());
    RStreamClient reader = client(url, retry);
    BlockingQueue<Progress.Live> states = new LinkedBlockingQueue<>();
    Disposable progress =
        reader.progress().map(Progress::live).distinctUntilChanged().subscribe(states::add);
    BlockingQueue<StateView> views = new LinkedBlockingQueue<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    Disposable live = reader.live().subscribe(views::add, errors::add);
    assertThat(views.poll(10, SECONDS)).as("initial state").isNotNull();
    statesUntil(states, Progress.Live.CONNECTED);

    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      writer.append(ReferenceChanges.numbered(i)).timeout(10, SECONDS).blockingGet();
      expected.add("{\"n\":" + i + "}");
    }
    List<Change> all = new ArrayList<>(LiveViews.changesSeen(views, 3));

    server.stop();
    assertThat(statesUntil(states, Progress.Live.RECONNECTING))
        .as("while the server is down")
        .containsExactly(Progress.Live.RECONNECTING);
    server.startAgain();
    // Connecting (catching up with what was appended while down), then connected: up to date.
    assertThat(statesUntil(states, Progress.Live.CONNECTED))
        .as("once the server is back")
        .containsExactly(Progress.Live.CONNECTING, Progress.Live.CONNECTED);

    Offset last = null;
    for (int i = 3; i < 6; i++) {
      last = writer.append(ReferenceChanges.numbered(i)).timeout(10, SECONDS).blockingGet();
      expected.add("{\"n\":" + i + "}");
    }
    all.addAll(LiveViews.changesSeen(views, 3));
    assertThat(all).extracting(Change::value).as("every change once, in order").isEqualTo(expected);
    reader.awaitOffset(last).timeout(10, SECONDS).blockingAwait();
    StateView extra = views.poll(300, MILLISECONDS);
    assertThat(extra == null || extra.change() == null)
        .as("no change delivered twice: %s", extra)
        .isTrue();
    assertThat(errors).as("subscriber saw no error").isEmpty();
    assertThat(states).as("no state change once reconnected").isEmpty();
    live.dispose();
    progress.dispose();
  }

  @Test
  void boundedRetryPolicyFailsWindowAndLiveTypedAgainstAClosedPort() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    RetryPolicy retry = threeQuickAttempts();
    RStreamClient client =
        client("http://127.0.0.1:" + closedPort + "/v1/stream/shop/orders", retry);

    TestSubscriber<StateView> window = client.window(Instant.parse("2020-01-01T00:00:00Z")).test();
    // Bounded by the policy (3 attempts, < 200 ms of delays); the timeout only guards a hang.
    assertThat(window.await(10, SECONDS)).as("the window read ends").isTrue();
    window.assertError(TransientException.class);

    TestSubscriber<StateView> live = client.live().test();
    assertThat(live.await(10, SECONDS)).as("live ends").isTrue();
    live.assertError(TransientException.class);
  }

  @Test
  void boundedRetryPolicyFailsEveryLiveSubscriberWhenTheServerStaysDown() throws Exception {
    RetryPolicy retry = threeQuickAttempts();
    RStreamClient client = client(url, retry);
    TestSubscriber<StateView> a = client.live().test();
    TestSubscriber<StateView> b = client.live().test();
    LinkedStream.awaitLive(client, Progress.Live.CONNECTED);
    server.stop();

    assertThat(a.await(10, SECONDS)).as("the first subscriber ends").isTrue();
    assertThat(b.await(10, SECONDS)).as("the second subscriber ends").isTrue();
    a.assertError(TransientException.class);
    b.assertError(TransientException.class);
    assertThat(client.progress().blockingFirst().live()).isEqualTo(Progress.Live.FAILED);
  }

  private static StateView failed(Throwable e) {
    throw new AssertionError("live failed", e);
  }
}
