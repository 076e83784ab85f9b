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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a real server-stub that goes away: restarts on its data directory, or stays
 * down.
 */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamClientServerFaultTest {
  @TempDir Path dir;

  @RegisterExtension
  @Order(1)
  final StubServerExtension server =
      StubServerExtension.configured(builder -> builder.dataDir(dir));

  @RegisterExtension
  @Order(2)
  final ServerClients clients = new ServerClients(server);

  private String url;

  @BeforeEach
  void start() throws Exception {
    url = server.createStateStream("shop/orders", "changes=1000, interval=3600s");
  }

  private RStreamClient client(RetryPolicy retry) {
    StreamSource source =
        DurableStreamSource.create(HttpUrl.get(url), server.http(), retry, Schedulers.io(), null);
    return clients.client(ServerClients.pastEverything().source(source));
  }

  @Test
  void liveSubscriberKeepsGoingAcrossAServerRestartOnTheSamePortWithoutDuplicates()
      throws Exception {
    // Quick retries: the subscriber must reconnect soon after the server is back.
    RetryPolicy retry =
        RetryPolicy.builder().initialDelay(20, MILLISECONDS).maxDelay(200, MILLISECONDS).build();
    RStreamClient writer = client(RetryPolicy.none());
    RStreamClient reader = client(retry);
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
    RStreamClient writer =
        client(
            RetryPolicy.builder()
                .maxRetries(2)
                .initialDelay(10, MILLISECONDS)
                .maxDelay(50, MILLISECONDS)
                .build());
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

  private static StateView failed(Throwable e) {
    throw new AssertionError("live failed", e);
  }
}
