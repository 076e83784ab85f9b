package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.server.StubServer;
import dev.rstream.server.state.RealStreamConventions;
import dev.rstream.server.storage.MemoryLogStore;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against the real server-stub over real sockets: keyframes written by the server. */
class RStreamClientEndToEndTest {
  private final List<Throwable> undelivered = new CopyOnWriteArrayList<>();
  private final OkHttpClient http = new OkHttpClient();
  private final List<RStreamClient> clients = new ArrayList<>();
  private MemoryLogStore store;
  private RealStreamConventions conventions;
  private StubServer server;
  private String url;

  /** What was appended, in order: the reference the client's states are checked against. */
  private final List<Change> appended = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    RxJavaPlugins.setErrorHandler(undelivered::add);
    startServer(StubServer.builder());
  }

  private void startServer(StubServer.Builder builder) throws Exception {
    store = new MemoryLogStore();
    conventions = RealStreamConventions.builder().store(store)
        .offsetFormat(dev.rstream.server.http.StreamHandler.OFFSETS).build();
    server = builder.store(store).conventions(conventions).build().start();
    url = server.streamUrl("shop/orders");
    DurableStream.builder().url(url).okHttpClient(http).build()
        .create(CreateOptions.builder().contentType("application/json")
            .header("Rstream-Keyframes", "changes=7, interval=3600s").build())
        .timeout(10, SECONDS).blockingGet();
  }

  @AfterEach
  void stop() throws Exception {
    clients.forEach(RStreamClient::close);
    stopServer();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
    RxJavaPlugins.reset();
    assertThat(undelivered).as("undelivered Rx errors").isEmpty();
  }

  private void stopServer() throws Exception {
    server.close();
    conventions.close();
    store.close();
  }

  private RStreamClient client(LocalStore localStore) {
    RStreamClient client = RStreamClient.builder().streamUrl(url).okHttpClient(http).store(localStore)
        .liveLinger(0, SECONDS)
        // The appended timestamps run ahead of the wall clock; to this client they are all past.
        .clock(java.time.Clock.fixed(Instant.parse("2100-01-01T00:00:00Z"), java.time.ZoneOffset.UTC))
        .build();
    clients.add(client);
    return client;
  }

  /** Appends {@code units} POSTs of 1-3 changes with increasing timestamps (ties included). */
  private Offset appendRandom(RStreamClient client, Random random, int units, Instant[] clock) {
    Offset last = null;
    for (int u = 0; u < units; u++) {
      List<Change> unit = new ArrayList<>();
      for (int i = 1 + random.nextInt(3); i > 0; i--) {
        if (random.nextInt(3) != 0) clock[0] = clock[0].plusMillis(1 + random.nextInt(1000));
        String key = "o" + random.nextInt(12);
        Change change = random.nextInt(5) == 0
            ? Change.builder().operation(Change.Operation.DELETE).type("order").key(key).timestamp(clock[0]).build()
            : Change.builder().operation(Change.Operation.UPDATE).type("order").key(key)
                .value("{\"qty\":" + random.nextInt(100) + "}").timestamp(clock[0]).build();
        unit.add(change);
      }
      last = client.append(unit).timeout(10, SECONDS).blockingGet();
      appended.addAll(unit);
    }
    return last;
  }

  private Map<String, String> replayTo(Instant time) {
    Map<String, String> state = new LinkedHashMap<>();
    for (Change change : appended) {
      if (change.timestamp().isAfter(time)) break;
      if (change.operation() == Change.Operation.DELETE) state.remove(change.key());
      else state.put(change.key(), change.value());
    }
    return state;
  }

  @Test
  void timeSeekLiveAndReadYourWritesAgainstTheStubServer() throws Exception {
    RStreamClient writer = client(LocalStore.inMemory());
    Random random = new Random(5);
    // After the stream's first keyframe, which the server stamped at creation.
    Instant[] clock = {Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).plusSeconds(1)};
    Instant start = clock[0];
    Offset written = appendRandom(writer, random, 30, clock);
    writer.awaitOffset(written).timeout(10, SECONDS).blockingAwait(); // read-your-writes

    RStreamClient reader = client(LocalStore.inMemory());
    Random times = new Random(9);
    long span = clock[0].toEpochMilli() - start.toEpochMilli();
    for (int i = 0; i < 25; i++) {
      Instant time = start.plusMillis((long) (times.nextDouble() * span));
      StateView view = reader.window(time).timeout(10, SECONDS).blockingLast();
      assertThat(new LinkedHashMap<>(view.entities("order"))).as("state at %s", time).isEqualTo(replayTo(time));
    }
    List<WindowInfo> windows = reader.windows().blockingFirst();
    assertThat(windows).extracting(WindowInfo::state).contains(WindowState.COMMITTED);

    TestSubscriber<StateView> live = reader.live().test();
    live.awaitCount(1);
    assertThat(new LinkedHashMap<>(live.values().get(0).entities("order"))).isEqualTo(replayTo(clock[0]));
    Offset more = appendRandom(writer, random, 3, clock);
    reader.awaitOffset(more).timeout(10, SECONDS).blockingAwait();
    StateView latest = LiveViews.latestAtOrPast(live, more);
    assertThat(latest.offset()).isEqualTo(more);
    assertThat(new LinkedHashMap<>(latest.entities("order"))).isEqualTo(replayTo(clock[0]));
    live.cancel();
  }

  @Test
  void typedValuesBindThroughJackson() {
    RStreamClient client = client(LocalStore.inMemory());
    Offset offset = client.append(Change.insert("order", "o1", "{\"qty\":3,\"sku\":\"A\"}")).timeout(10, SECONDS).blockingGet();
    client.awaitOffset(offset).timeout(10, SECONDS).blockingAwait();
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
    DurableStream.builder().url(plain).okHttpClient(http).build()
        .create(CreateOptions.json()).timeout(10, SECONDS).blockingGet();
    url = plain;
    RStreamClient writer = client(LocalStore.inMemory());
    Random random = new Random(3);
    Instant[] clock = {Instant.parse("2026-05-01T00:00:00Z")};
    Instant start = clock[0];
    Offset last = appendRandom(writer, random, 12, clock);

    RStreamClient reader = client(LocalStore.inMemory());
    Instant middle = start.plusMillis((clock[0].toEpochMilli() - start.toEpochMilli()) / 2);
    StateView view = reader.window(middle).timeout(10, SECONDS).blockingLast();
    assertThat(new LinkedHashMap<>(view.entities("order"))).isEqualTo(replayTo(middle));
    assertThat(view.windowId()).isEqualTo("-1");
    StateView end = reader.window(clock[0]).timeout(10, SECONDS).blockingLast();
    assertThat(end.offset()).isEqualTo(last);
    assertThat(new LinkedHashMap<>(end.entities("order"))).isEqualTo(replayTo(clock[0]));
  }

  @Test
  void liveSurvivesServerEndedSseConnectionsWithoutDuplicatesOrGaps() throws Exception {
    stopServer();
    // The server ends every SSE connection after 150 ms: the cursor reconnects many times.
    startServer(StubServer.builder().sseCycle(java.time.Duration.ofMillis(150)));
    RStreamClient writer = client(LocalStore.inMemory());
    RStreamClient reader = client(LocalStore.inMemory());
    java.util.concurrent.BlockingQueue<StateView> views = new java.util.concurrent.LinkedBlockingQueue<>();
    io.reactivex.rxjava3.disposables.Disposable live = reader.live().subscribe(views::add);
    StateView initial = views.poll(10, SECONDS);
    assertThat(initial).isNotNull();

    Random random = new Random(11);
    Instant[] clock = {Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).plusSeconds(1)};
    Offset last = null;
    long deadline = System.nanoTime() + SECONDS.toNanos(1);
    int units = 0;
    while (System.nanoTime() < deadline || units < 20) { // spans several SSE cycles
      last = appendRandom(writer, random, 1, clock);
      units++;
    }
    List<Change> seen = new ArrayList<>();
    while (seen.size() < appended.size()) {
      StateView view = views.poll(10, SECONDS);
      assertThat(view).as("a view for every append, in time").isNotNull();
      // Keyframes the server writes show up as views without a change.
      for (Change change : view.changes()) seen.add(change.newBuilder().offset(null).build());
    }
    assertThat(seen).as("changes seen live, in order, once each").isEqualTo(appended);
    live.dispose();
  }

  public static final class Order {
    public int qty;
    public String sku;
  }
}
