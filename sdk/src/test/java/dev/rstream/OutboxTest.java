package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Appends through the outbox of a {@link SqliteStore}, against a real server-stub. */
@ExtendWith(UndeliveredRxErrors.class)
class OutboxTest {
  @TempDir Path dir;

  final StubServerExtension server = StubServerExtension.inMemory();
  @RegisterExtension final ServerClients clients = new ServerClients(server);

  private final AtomicInteger posts = new AtomicInteger();
  private OkHttpClient http;
  private SqliteStore store;
  private String url;

  @BeforeEach
  void start() {
    url = server.createStateStream("outbox/orders", "changes=100000, interval=3600s");
    http =
        server
            .http()
            .newBuilder()
            .addInterceptor(
                chain -> {
                  if (chain.request().method().equals("POST")) posts.incrementAndGet();
                  return chain.proceed(chain.request());
                })
            .build();
    store = clients.store(new File(dir.toFile(), "app.db"));
  }

  private RStreamClient client() {
    return clients.client(clients.onServer(url).okHttpClient(http).store(store));
  }

  @Test
  void twoClientsSharingOneStoreSendEachAppendOnce() throws Exception {
    RStreamClient a = client();
    RStreamClient b = client();
    List<Single<Offset>> results = new java.util.concurrent.CopyOnWriteArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> writers = new ArrayList<>();
    for (RStreamClient client : List.of(a, b)) {
      String name = client == a ? "a" : "b";
      Thread writer =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  throw new AssertionError(e);
                }
                for (int i = 0; i < 100; i++) {
                  results.add(
                      client.append(
                          Change.update("order", name + i, "{\"" + name + "\":" + i + "}")));
                }
              });
      writer.start();
      writers.add(writer);
    }
    go.countDown();
    for (Thread writer : writers) writer.join(30_000);
    Single.merge(results).ignoreElements().timeout(30, SECONDS).blockingAwait();

    List<String> log = ServerLog.values(server.http(), url);
    assertThat(log).hasSize(200).doesNotHaveDuplicates();
    for (String name : List.of("a", "b")) {
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 100; i++) expected.add("{\"" + name + "\":" + i + "}");
      assertThat(log.stream().filter(v -> v.startsWith("{\"" + name)))
          .as("%s's appends in its order", name)
          .containsExactlyElementsOf(expected);
    }
    assertThat(posts.get()).as("one request per append: the outbox was sent once").isEqualTo(200);
    assertThat(store.outbox(url)).isEmpty();
  }

  @Test
  void aChangeRefusedInTheMiddleOfTheOutboxLeavesItAndTheOthersAreApplied() throws Exception {
    RStreamClient client = client();
    TestSubscriber<RejectedWriteException> rejected = client.rejectedWrites().test();
    List<StateView> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.reactivex.rxjava3.disposables.Disposable live = client.live().subscribe(seen::add);
    client.awaitOffset(Offset.START).timeout(10, SECONDS).blockingAwait();
    Change before = Change.update("order", "o1", "{\"n\":1}");
    Change refused = ReferenceChanges.tooOld("order", "o2", "{\"n\":2}");
    Change after = Change.update("order", "o3", "{\"n\":3}");
    TestObserver<Offset> first = client.append(before).test();
    TestObserver<Offset> middle = client.append(refused).test();
    TestObserver<Offset> last = client.append(after).test();

    first.await(10, SECONDS);
    first.assertComplete();
    last.await(10, SECONDS);
    last.assertComplete();
    middle.await(10, SECONDS);
    middle.assertError(
        e ->
            e instanceof RejectedWriteException
                && ((RejectedWriteException) e).changes().equals(List.of(refused))
                && ((RejectedWriteException) e).status() == 400);
    assertThat(ServerLog.values(server.http(), url)).containsExactly("{\"n\":1}", "{\"n\":3}");
    assertThat(store.outbox(url)).isEmpty();
    long deadline = System.nanoTime() + SECONDS.toNanos(10);
    while (seen.get(seen.size() - 1).hasPendingWrites()
        || !seen.get(seen.size() - 1).contains("order", "o3")) {
      assertThat(System.nanoTime()).as("views settle").isLessThan(deadline);
      Thread.sleep(10);
    }
    live.dispose();
    StateView settled = seen.get(seen.size() - 1);
    assertThat(settled.entities("order")).containsOnlyKeys("o1", "o3");
    int rolledBack = -1;
    for (int i = 0; i < seen.size(); i++) {
      if (seen.get(i).contains("order", "o2")) rolledBack = i + 1;
    }
    assertThat(rolledBack).as("the refused change was shown while pending").isPositive();
    for (StateView view : seen.subList(rolledBack, seen.size())) {
      assertThat(view.contains("order", "o2")).as("rolled back for good: %s", view).isFalse();
      assertThat(view.pendingChanges()).doesNotContain(refused);
    }
    rejected.awaitCount(1);
    assertThat(rejected.values())
        .singleElement()
        .satisfies(e -> assertThat(e.changes()).containsExactly(refused));
  }
}
