package dev.rstream.internal.outbox;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.LocalStore;
import dev.rstream.LocalStoreException;
import dev.rstream.Offset;
import dev.rstream.SqliteStore;
import dev.rstream.durable.AppendResult;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.observers.TestObserver;
import java.io.File;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox's store writes: the overlay shows an append before its commit, appends queued during a
 * commit share the next one, and a write the store refuses leaves nothing behind.
 */
class OutboxGroupCommitTest {
  private static final String URL = "http://127.0.0.1:1/v1/stream/group";

  @TempDir File dir;

  private SqliteStore sqlite;
  private GatedStore store;

  @BeforeEach
  void open() {
    sqlite = SqliteStore.open(new File(dir, "app.db"));
    store = new GatedStore(sqlite);
  }

  @AfterEach
  void close() {
    sqlite.close();
  }

  @Test
  void anAppendIsShownBeforeItsCommitAndReturnsOnlyAfterIt() throws Exception {
    Outbox outbox = new Outbox(URL, store);
    CountDownLatch gate = new CountDownLatch(1);
    store.gate = gate;
    AtomicReference<Single<AppendResult>> answer = new AtomicReference<>();
    Thread appender = new Thread(() -> answer.set(outbox.append(List.of(update("a", 1)))));
    appender.start();

    assertThat(store.commits.poll(10, SECONDS)).as("the commit started").containsExactly("a");
    assertThat(outbox.overlay().pendingOver(Offset.START))
        .as("shown while the commit runs")
        .containsExactly(update("a", 1));
    assertThat(answer.get()).as("append has not returned").isNull();
    assertThat(appender.isAlive()).isTrue();

    gate.countDown();
    appender.join(10_000);
    assertThat(answer.get()).isNotNull();
    assertThat(sqlite.outbox(URL)).hasSize(1);
    store.assertNoMoreCommits();
  }

  @Test
  void appendsQueuedDuringACommitShareTheNextOneInAppendOrder() throws Exception {
    Outbox outbox = new Outbox(URL, store);
    CountDownLatch gate = new CountDownLatch(1);
    store.gate = gate;
    Thread first = new Thread(() -> outbox.append(List.of(update("a", 1))));
    first.start();
    assertThat(store.commits.poll(10, SECONDS)).containsExactly("a");
    // The first commit is held: these two queue behind it, in this order.
    Thread second = new Thread(() -> outbox.append(List.of(update("b", 2))));
    second.start();
    awaitPending(outbox, 2);
    Thread third = new Thread(() -> outbox.append(List.of(update("c", 3))));
    third.start();
    awaitPending(outbox, 3);

    gate.countDown();
    for (Thread t : List.of(first, second, third)) t.join(10_000);

    assertThat(store.commits.poll(10, SECONDS))
        .as("one transaction for both, in append order")
        .containsExactly("b", "c");
    assertThat(sqlite.outbox(URL))
        .extracting(LocalStore.OutboxEntry::seq)
        .as("numbered in append order")
        .containsExactly(0L, 1L, 2L);
    assertThat(sqlite.outbox(URL).get(2).body()).contains("\"c\"");
    store.assertNoMoreCommits();
  }

  @Test
  void aWriteTheStoreRefusesFailsTheAnswerAndLeavesTheOverlay() throws Exception {
    Outbox outbox = new Outbox(URL, store);
    outbox.append(List.of(update("a", 1)));
    assertThat(store.commits.poll(10, SECONDS)).containsExactly("a");
    store.failure =
        new LocalStoreException(LocalStoreException.Reason.DISK_FULL, dir, "disk full", null);

    TestObserver<AppendResult> refused = outbox.append(List.of(update("b", 2))).test();

    refused.assertError(LocalStoreException.class);
    assertThat(outbox.overlay().pendingOver(Offset.START)).containsExactly(update("a", 1));
    assertThat(outbox.sizes().blockingFirst()).isEqualTo(1);
    assertThat(sqlite.outbox(URL)).hasSize(1);
  }

  private static Change update(String key, int n) {
    return Change.update("item", key, "{\"n\":" + n + "}");
  }

  private static void awaitPending(Outbox outbox, int count) throws InterruptedException {
    long deadline = System.nanoTime() + SECONDS.toNanos(10);
    while (outbox.overlay().pendingOver(Offset.START).size() < count) {
      assertThat(System.nanoTime()).as("%s appends shown", count).isLessThan(deadline);
      Thread.sleep(1);
    }
  }

  /**
   * A {@link SqliteStore}'s outbox that reports each commit (the keys it adds) and can hold one at
   * a gate or refuse it; the rest of the store is unused here.
   */
  private static final class GatedStore implements LocalStore {
    final SqliteStore store;
    final BlockingQueue<List<String>> commits = new LinkedBlockingQueue<>();
    volatile @Nullable CountDownLatch gate;
    volatile @Nullable LocalStoreException failure;

    GatedStore(SqliteStore store) {
      this.store = store;
    }

    void assertNoMoreCommits() {
      assertThat(commits).isEmpty();
    }

    @Override
    public boolean keepsOutbox() {
      return true;
    }

    @Override
    public OutboxEntry addToOutbox(String streamUrl, String newProducerId, String body) {
      return addToOutbox(streamUrl, newProducerId, List.of(body)).get(0);
    }

    @Override
    public List<OutboxEntry> addToOutbox(
        String streamUrl, String newProducerId, List<String> bodies) {
      List<String> keys = new java.util.ArrayList<>();
      for (String body : bodies) {
        for (Change c : OutboxBodies.decode(body)) keys.add(c.key());
      }
      commits.add(keys);
      LocalStoreException refusal = failure;
      if (refusal != null) throw refusal;
      CountDownLatch held = gate;
      gate = null;
      if (held != null) {
        try {
          held.await(10, SECONDS);
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
      }
      return store.addToOutbox(streamUrl, newProducerId, bodies);
    }

    @Override
    public List<OutboxEntry> outbox(String streamUrl) {
      return store.outbox(streamUrl);
    }

    @Override
    public List<Keyframe> keyframes(String streamUrl) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Offset keyframesNext(String streamUrl) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void putKeyframes(String streamUrl, List<Keyframe> keyframes, Offset next) {
      throw new UnsupportedOperationException();
    }

    @Override
    public @Nullable StoredWindow window(String streamUrl, String windowId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void putWindow(String streamUrl, StoredWindow window) {
      throw new UnsupportedOperationException();
    }

    @Override
    public @Nullable StoredWindow liveWindow(String streamUrl) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void putLiveWindow(String streamUrl, StoredWindow window) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean appendLive(
        String streamUrl, String windowId, Offset from, List<Change> changes, Offset to) {
      throw new UnsupportedOperationException();
    }

    @Override
    public @Nullable StoredProducer producer(String streamUrl) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void putProducer(String streamUrl, StoredProducer producer) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void clear(String streamUrl) {
      throw new UnsupportedOperationException();
    }
  }
}
