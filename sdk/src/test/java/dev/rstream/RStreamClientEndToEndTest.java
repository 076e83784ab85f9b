package dev.rstream;

import static dev.rstream.ReferenceChanges.orders;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.testing.ReferenceLog;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The client against the real server-stub over real sockets: keyframes written by the server. */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamClientEndToEndTest {
  final StubServerExtension server = StubServerExtension.inMemory();

  @RegisterExtension final ServerClients clients = new ServerClients(server);

  private String url;

  @BeforeEach
  void start() {
    url = server.createStateStream("shop/orders", "changes=7, interval=3600s");
  }

  private RStreamClient client(LocalStore localStore) {
    // The appended timestamps run ahead of the wall clock; to this client they are all past.
    return clients.client(clients.builder(url).store(localStore));
  }

  @Test
  void timeSeekLiveAndReadYourWritesAgainstTheStubServer() throws Exception {
    RStreamClient writer = client(LocalStore.inMemory());
    Random random = new Random(5);
    // Timestamps from now on; history before the stream's creation is the test above.
    Instant start = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).plusSeconds(1);
    ReferenceLog log = new ReferenceLog(start);
    Offset written = appendRandom(writer, log, random, 30);
    writer.awaitOffset(written).timeout(10, SECONDS).blockingAwait(); // read-your-writes

    RStreamClient reader = client(LocalStore.inMemory());
    Random times = new Random(9);
    long span = log.clock().toEpochMilli() - start.toEpochMilli();
    for (int i = 0; i < 25; i++) {
      Instant time = start.plusMillis((long) (times.nextDouble() * span));
      StateView view = reader.window(time).timeout(10, SECONDS).blockingLast();
      assertThat(orders(view)).as("state at %s", time).isEqualTo(log.replayTo(time));
    }
    List<WindowInfo> windows = reader.windows().blockingFirst();
    assertThat(windows).extracting(WindowInfo::state).contains(WindowState.COMMITTED);

    TestSubscriber<StateView> live = reader.live().test();
    live.awaitCount(1);
    assertThat(orders(live.values().get(0))).isEqualTo(log.replayTo(log.clock()));
    Offset more = appendRandom(writer, log, random, 3);
    reader.awaitOffset(more).timeout(10, SECONDS).blockingAwait();
    StateView latest = LiveViews.latestAtOrPast(live, more);
    assertThat(latest.offset()).isEqualTo(more);
    assertThat(orders(latest)).isEqualTo(log.replayTo(log.clock()));
    live.cancel();
  }

  @Test
  void historyBackFilledIntoANewStreamSeeksByTimeAndIsEmptyBeforeItsFirstChange() throws Exception {
    // Last year's history imported into a stream created now (docs/PROTOCOL.md 3.1, 3.2).
    RStreamClient writer = client(LocalStore.inMemory());
    Random random = new Random(11);
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    ReferenceLog log = new ReferenceLog(start);
    Offset written = appendRandom(writer, log, random, 40);
    writer.awaitOffset(written).timeout(10, SECONDS).blockingAwait();

    RStreamClient reader = client(LocalStore.inMemory());
    StateView before = reader.window(start.minusSeconds(3600)).timeout(10, SECONDS).blockingLast();
    assertThat(orders(before)).isEmpty();
    assertThat(before.timestamp()).isNull();
    Random times = new Random(12);
    long span = log.clock().toEpochMilli() - start.toEpochMilli();
    for (int i = 0; i < 20; i++) {
      Instant time = start.plusMillis((long) (times.nextDouble() * span));
      StateView view = reader.window(time).timeout(10, SECONDS).blockingLast();
      assertThat(orders(view)).as("state at %s", time).isEqualTo(log.replayTo(time));
      if (view.timestamp() != null) assertThat(view.timestamp()).isBeforeOrEqualTo(time);
    }
  }

  @Test
  void typedValuesBindThroughJackson() {
    RStreamClient client = client(LocalStore.inMemory());
    LiveViews.appendApplied(client, Change.insert("order", "o1", "{\"qty\":3,\"sku\":\"A\"}"));
    StateView view = client.live().timeout(10, SECONDS).blockingFirst();
    Order order = view.value("order", "o1", Order.class);
    assertThat(order.qty).isEqualTo(3);
    assertThat(order.sku).isEqualTo("A");
    assertThat(view.get("order", "o1").get("qty").asInt()).isEqualTo(3);
    assertThat(view.timestamp()).isNotNull(); // stamped by the server
  }

  @Test
  void plainStreamWithoutKeyframesIsScannedOnceAndServedAsOneLiveWindow() throws Exception {
    String plain = server.streamUrl("shop/plain");
    DurableStream.builder()
        .url(plain)
        .okHttpClient(server.http())
        .build()
        .create(CreateOptions.json())
        .timeout(10, SECONDS)
        .blockingGet();
    url = plain;
    RStreamClient writer = client(LocalStore.inMemory());
    Random random = new Random(3);
    Instant start = Instant.parse("2026-05-01T00:00:00Z");
    ReferenceLog log = new ReferenceLog(start);
    Offset last = appendRandom(writer, log, random, 12);

    RStreamClient reader = client(LocalStore.inMemory());
    Instant middle = start.plusMillis((log.clock().toEpochMilli() - start.toEpochMilli()) / 2);
    StateView view = reader.window(middle).timeout(10, SECONDS).blockingLast();
    assertThat(orders(view)).isEqualTo(log.replayTo(middle));
    assertThat(view.windowId()).isEqualTo("-1");
    StateView end = reader.window(log.clock()).timeout(10, SECONDS).blockingLast();
    assertThat(end.offset()).isEqualTo(last);
    assertThat(orders(end)).isEqualTo(log.replayTo(log.clock()));
  }

  @Test
  void liveSurvivesServerEndedSseConnectionsWithoutDuplicatesOrGaps() throws Exception {
    // The server ends every SSE connection after 150 ms: the cursor reconnects many times.
    server.startAgain(builder -> builder.sseCycle(java.time.Duration.ofMillis(150)));
    server.createStateStream("shop/orders", "changes=7, interval=3600s");
    RStreamClient writer = client(LocalStore.inMemory());
    RStreamClient reader = client(LocalStore.inMemory());
    java.util.concurrent.BlockingQueue<StateView> views =
        new java.util.concurrent.LinkedBlockingQueue<>();
    io.reactivex.rxjava3.disposables.Disposable live = reader.live().subscribe(views::add);
    StateView initial = views.poll(10, SECONDS);
    assertThat(initial).isNotNull();

    Random random = new Random(11);
    ReferenceLog log =
        new ReferenceLog(
            Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).plusSeconds(1));
    Offset last = null;
    long deadline = System.nanoTime() + SECONDS.toNanos(1);
    int units = 0;
    while (System.nanoTime() < deadline || units < 20) { // spans several SSE cycles
      last = appendRandom(writer, log, random, 1);
      units++;
    }
    List<Change> seen = new ArrayList<>();
    while (seen.size() < log.size()) {
      StateView view = views.poll(10, SECONDS);
      assertThat(view).as("a view for every append, in time").isNotNull();
      // Keyframes the server writes show up as views without a change.
      for (Change change : view.changes()) seen.add(change.newBuilder().offset(null).build());
    }
    assertThat(seen)
        .as("changes seen live, in order, once each")
        .isEqualTo(ReferenceChanges.changes(log.entries()));
    live.dispose();
  }

  /**
   * Appends {@code units} POSTs of 1-3 changes with increasing timestamps (ties and deletes
   * included).
   */
  private static Offset appendRandom(
      RStreamClient writer, ReferenceLog log, Random random, int units) {
    return ReferenceChanges.appendRandom(
        writer, log, random, units, ReferenceLog.Shape.UPDATES_DELETES_AND_TIES);
  }

  public static final class Order {
    public int qty;
    public String sku;
  }
}
