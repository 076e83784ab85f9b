package dev.rstream;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.internal.window.DurableStreamSource;
import dev.rstream.internal.window.StreamSource;
import dev.rstream.server.StubServer;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import io.reactivex.rxjava3.schedulers.Schedulers;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real server-stub that goes away: restarts on its data directory, or stays down. */
class RStreamClientServerFaultTest {
  @TempDir Path dir;
  private final List<Throwable> undelivered = new CopyOnWriteArrayList<>();
  private final OkHttpClient http = new OkHttpClient();
  private final List<RStreamClient> clients = new ArrayList<>();
  private StubServer server;
  private String url;

  @BeforeEach
  void start() throws Exception {
    RxJavaPlugins.setErrorHandler(undelivered::add);
    server = StubServer.builder().dataDir(dir).build().start();
    url = server.streamUrl("shop/orders");
    DurableStream.builder().url(url).okHttpClient(http).build()
        .create(CreateOptions.builder().contentType("application/json")
            .header("Rstream-Keyframes", "changes=1000, interval=3600s").build())
        .timeout(10, SECONDS).blockingGet();
  }

  @AfterEach
  void stop() {
    clients.forEach(RStreamClient::close);
    server.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
    RxJavaPlugins.reset();
    assertThat(undelivered).as("undelivered Rx errors").isEmpty();
  }

  private RStreamClient client(RetryPolicy retry) {
    StreamSource source =
        DurableStreamSource.create(HttpUrl.get(url), http, retry, Schedulers.io(), null);
    RStreamClient client = RStreamClient.builder().source(source)
        .liveLinger(0, SECONDS)
        .clock(java.time.Clock.fixed(Instant.parse("2100-01-01T00:00:00Z"), java.time.ZoneOffset.UTC))
        .build();
    clients.add(client);
    return client;
  }

  private static Change order(int i) {
    return Change.builder().operation(Change.Operation.UPDATE).type("order").key("o" + (i % 5))
        .value("{\"n\":" + i + "}").build();
  }

  /** Takes views until {@code count} changes were seen; returns them with their offsets. */
  private static List<Change> changesSeen(BlockingQueue<StateView> views, int count) throws InterruptedException {
    List<Change> seen = new ArrayList<>();
    while (seen.size() < count) {
      StateView view = views.poll(15, SECONDS);
      assertThat(view).as("a view for change %s, in time", seen.size()).isNotNull();
      seen.addAll(view.changes());
    }
    return seen;
  }

  @Test
  void liveSubscriberKeepsGoingAcrossAServerRestartOnTheSamePortWithoutDuplicates() throws Exception {
    // Quick retries: the subscriber must reconnect soon after the server is back.
    RetryPolicy retry = RetryPolicy.builder().initialDelay(20, MILLISECONDS).maxDelay(200, MILLISECONDS).build();
    RStreamClient writer = client(RetryPolicy.none());
    RStreamClient reader = client(retry);
    BlockingQueue<StateView> views = new LinkedBlockingQueue<>();
    Disposable live = reader.live().subscribe(views::add, e -> views.add(failed(e)));
    assertThat(views.poll(10, SECONDS)).as("initial state").isNotNull();

    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      writer.append(order(i)).timeout(10, SECONDS).blockingGet();
      expected.add("{\"n\":" + i + "}");
    }
    List<Change> before = changesSeen(views, 5);

    int port = server.port();
    server.close();
    server = StubServer.builder().dataDir(dir).port(port).build().start();

    Offset last = null;
    for (int i = 5; i < 10; i++) {
      last = writer.append(order(i)).timeout(10, SECONDS).blockingGet();
      expected.add("{\"n\":" + i + "}");
    }
    List<Change> after = changesSeen(views, 5);
    List<Change> all = new ArrayList<>(before);
    all.addAll(after);
    assertThat(all).extracting(Change::value).as("every change once, in order").isEqualTo(expected);
    for (int i = 1; i < all.size(); i++) {
      assertThat(all.get(i).offset()).as("offset %s strictly after the previous", i)
          .isGreaterThan(all.get(i - 1).offset());
    }
    assertThat(all.get(all.size() - 1).offset()).isEqualTo(last);
    // Nothing more: no replay of the changes before the restart.
    reader.awaitOffset(last).timeout(10, SECONDS).blockingAwait();
    StateView extra = views.poll(300, MILLISECONDS);
    assertThat(extra == null || extra.change() == null).as("no change delivered twice: %s", extra).isTrue();
    live.dispose();
  }

  @Test
  void appendWhileTheServerIsDownFailsTypedOnceTheRetryPolicyGivesUp() throws Exception {
    RStreamClient writer = client(RetryPolicy.builder().maxRetries(2).initialDelay(10, MILLISECONDS)
        .maxDelay(50, MILLISECONDS).build());
    writer.append(order(0)).timeout(10, SECONDS).blockingGet(); // the connection worked before
    server.close();

    TestObserver<Offset> append = writer.append(order(1)).test();
    // Bounded by the retry policy (3 attempts, < 200 ms of delays); the test timeout only guards a hang.
    assertThat(append.await(10, SECONDS)).as("the append ends instead of hanging").isTrue();
    append.assertError(e -> e instanceof TransientException && e.getMessage() != null && !e.getMessage().isBlank());
  }

  private static StateView failed(Throwable e) {
    throw new AssertionError("live failed", e);
  }
}
