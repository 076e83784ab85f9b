package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RStreamClient#producer()}: an idempotent producer whose identity the client keeps in its
 * store, against the real server-stub.
 */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamClientProducerTest {
  @TempDir File dir;

  final StubServerExtension server = StubServerExtension.inMemory();

  @RegisterExtension final ServerClients clients = new ServerClients(server);

  private String url;

  @BeforeEach
  void start() {
    url = server.createJsonStream("shop/orders");
  }

  private RStreamClient client(@Nullable LocalStore store) {
    RStreamClient.Builder builder = clients.withoutLinger(url);
    if (store != null) builder.store(store);
    return clients.client(builder);
  }

  private SqliteStore openStore() {
    return clients.store(new File(dir, "app.db"));
  }

  /**
   * The server's HTTP client, but the answer to the first POST is lost after the server applied it
   * (a connection reset), {@code beforeLoss} running in between; {@code posts} counts the POSTs.
   */
  private OkHttpClient losingFirstPostAnswer(
      java.util.concurrent.atomic.AtomicInteger posts, Runnable beforeLoss) {
    return server
        .http()
        .newBuilder()
        .addInterceptor(
            chain -> {
              okhttp3.Response response = chain.proceed(chain.request());
              if (chain.request().method().equals("POST") && posts.incrementAndGet() == 1) {
                response.close();
                beforeLoss.run();
                throw new java.io.IOException(
                    "connection reset after the server applied the append");
              }
              return response;
            })
        .build();
  }

  private static Change order(String key, int qty) {
    return Change.builder()
        .operation(Change.Operation.UPDATE)
        .type("order")
        .key(key)
        .value("{\"qty\":" + qty + "}")
        .build();
  }

  @Test
  void aLaterClientOnTheSameStoreKeepsTheIdAtTheNextEpochAndFencesTheEarlierOne() throws Exception {
    SqliteStore store = openStore();
    RStreamClient first = client(store);
    ChangeProducer before = first.producer();
    assertThat(first.producer()).as("one producer per client").isSameAs(before);
    assertThat(before.epoch()).isZero();
    Offset written = before.append(order("o1", 1)).timeout(10, SECONDS).blockingGet();
    assertThat(store.producer(url)).isEqualTo(LocalStore.StoredProducer.of(before.id(), 0));

    // A second instance on the same store while the first still runs (as a restarted app whose
    // old process is stuck would be).
    RStreamClient second = client(store);
    ChangeProducer after = second.producer();
    assertThat(after.id()).isEqualTo(before.id());
    assertThat(after.epoch()).isEqualTo(1);
    assertThat(store.producer(url)).isEqualTo(LocalStore.StoredProducer.of(before.id(), 1));
    Offset next = after.append(order("o2", 2)).timeout(10, SECONDS).blockingGet();
    // A duplicate appends nothing: the offset after it would be the one after o1.
    assertThat(next).as("a new epoch's first append is not a duplicate").isGreaterThan(written);

    TestObserver<Offset> stale = before.append(order("o3", 3)).test();
    assertThat(stale.await(10, SECONDS)).isTrue();
    stale.assertError(ProducerFencedException.class);

    second.awaitOffset(next).timeout(10, SECONDS).blockingAwait();
    StateView state = second.live().timeout(10, SECONDS).blockingFirst();
    assertThat(state.entities("order")).containsOnlyKeys("o1", "o2");
  }

  @Test
  void restartOnTheStoreKeepsTheIdAtTheNextEpoch() throws Exception {
    SqliteStore store = openStore();
    RStreamClient first = client(store);
    String id = first.producer().id();
    Offset written = first.producer().append(order("o1", 1)).timeout(10, SECONDS).blockingGet();
    first.close();
    store.close();

    SqliteStore reopened = openStore();
    ChangeProducer after = client(reopened).producer();
    assertThat(after.id()).isEqualTo(id);
    assertThat(after.epoch()).isEqualTo(1);
    Offset next = after.append(order("o2", 2)).timeout(10, SECONDS).blockingGet();
    // A duplicate appends nothing: the offset after it would be the one after o1.
    assertThat(next).as("a new epoch's first append is not a duplicate").isGreaterThan(written);
  }

  @Test
  void closingTheClientFlushesAndStopsItsProducer() throws Exception {
    RStreamClient client = client(null);
    ChangeProducer producer = client.producer();
    TestObserver<Offset> queued = producer.append(order("o1", 1)).test();
    client.close();
    assertThat(queued.await(10, SECONDS)).isTrue();
    queued.assertNoErrors();
    TestObserver<Offset> late = producer.append(order("o2", 2)).test();
    assertThat(late.await(10, SECONDS)).isTrue();
    late.assertError(IllegalStateException.class);
  }

  @Test
  void changesQueuedTogetherArriveOnceEachAndLiveShowsThemAsWholeAppends() throws Exception {
    RStreamClient client = client(openStore());
    TestSubscriber<StateView> views = client.live().skip(1).test();
    client.live().timeout(10, SECONDS).blockingFirst();
    ChangeProducer producer = client.producer();
    List<io.reactivex.rxjava3.core.Single<Offset>> results = new ArrayList<>();
    for (int i = 0; i < 20; i++) results.add(producer.append(order("o" + (i % 4), i)).cache());
    results.forEach(r -> r.subscribe(x -> {}, e -> {}));
    producer.flush().timeout(10, SECONDS).blockingAwait();
    Offset last = null;
    for (io.reactivex.rxjava3.core.Single<Offset> r : results) {
      Offset offset = r.blockingGet();
      if (last == null || offset.compareTo(last) > 0) last = offset;
    }
    client.awaitOffset(last).timeout(10, SECONDS).blockingAwait();
    StateView state = client.live().timeout(10, SECONDS).blockingFirst();
    assertThat(state.offset()).isEqualTo(last);
    for (int k = 0; k < 4; k++) {
      assertThat(state.json("order", "o" + k)).isEqualTo("{\"qty\":" + (16 + k) + "}");
    }
    assertThat(LiveViews.changesThrough(views, last))
        .as("each queued change once, in order")
        .extracting(Change::value)
        .containsExactlyElementsOf(
            () ->
                java.util.stream.IntStream.range(0, 20)
                    .mapToObj(i -> "{\"qty\":" + i + "}")
                    .iterator());
  }

  @Test
  void anAppendAppliedWhoseAnswerWasLostIsNotSentAgainUnderANewEpochAfterAFence() throws Exception {
    // A store that keeps the producer's identity but no outbox: append goes through the producer.
    LocalStore store = LocalStore.inMemory();
    RStreamClient other = client(store); // a second instance on the same store
    // Before the retry arrives, the other instance takes the id's next epoch.
    OkHttpClient losing =
        losingFirstPostAnswer(
            new java.util.concurrent.atomic.AtomicInteger(),
            () -> other.producer().append(order("o9", 9)).timeout(10, SECONDS).blockingGet());
    RStreamClient first =
        clients.client(clients.withoutLinger(url).okHttpClient(losing).store(store));

    TestObserver<Offset> append = first.append(order("o1", 1)).test();

    assertThat(append.await(10, SECONDS)).isTrue();
    append.assertError(ProducerFencedException.class);
    assertThat(ServerLog.values(server.http(), url))
        .as("each change once: the fenced one was not sent again under a new epoch")
        .containsExactly("{\"qty\":1}", "{\"qty\":9}");
  }

  @Test
  void appendWhoseResponseIsLostIsRetriedAndAppliedOnce() throws Exception {
    java.util.concurrent.atomic.AtomicInteger posts =
        new java.util.concurrent.atomic.AtomicInteger();
    OkHttpClient losing = losingFirstPostAnswer(posts, () -> {});
    RStreamClient client = clients.client(clients.withoutLinger(url).okHttpClient(losing));
    TestSubscriber<StateView> views = client.live().skip(1).test();
    client.live().timeout(10, SECONDS).blockingFirst();

    Offset written =
        client.append(order("o1", 1), order("o2", 2)).timeout(10, SECONDS).blockingGet();
    Offset next = client.append(order("o1", 3)).timeout(10, SECONDS).blockingGet();

    assertThat(posts.get()).as("the first append was sent twice").isEqualTo(3);
    client.awaitOffset(next).timeout(10, SECONDS).blockingAwait();
    assertThat(LiveViews.changesThrough(views, next))
        .as("each change once")
        .extracting(Change::value)
        .containsExactly("{\"qty\":1}", "{\"qty\":2}", "{\"qty\":3}");
    assertThat(next).isGreaterThan(written);
  }

  @Test
  void storeThatCannotSaveTheIdentityGetsAnUnsavedProducerAndALogLine() throws Exception {
    LocalStore broken = new FullDiskStore(new File(dir, "full.db"));
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            records.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger logger = Logger.getLogger(RStreamClient.class.getName());
    logger.addHandler(handler);
    try {
      ChangeProducer producer = client(broken).producer();
      assertThat(producer.epoch()).isZero();
      Offset result = producer.append(order("o1", 1)).timeout(10, SECONDS).blockingGet();
      assertThat(result).isNotNull();
      assertThat(records).anyMatch(r -> r.getMessage().contains("cannot save the producer"));
    } finally {
      logger.removeHandler(handler);
    }
  }
}
