package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.LocalStore.StoredWindow;
import dev.rstream.testing.ChildJvm;
import dev.rstream.testing.StubServerExtension;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.File;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app process killed ({@code kill -9}) at random points while its client writes to the store,
 * 20 times, while a producer keeps appending: every restart opens the store, finds a prefix of the
 * server's log, and catches up to the server's state.
 */
class StoreKillTest {
  private static final int ROUNDS = 20;

  @TempDir File dir;
  @RegisterExtension final StubServerExtension server = StubServerExtension.inMemory();
  private OkHttpClient http;
  private String url;

  /** Unit offsets and the changes of each unit, in order; guarded by {@link #appending}. */
  private final List<Offset> unitOffsets = new ArrayList<>();

  private final List<List<Change>> units = new ArrayList<>();
  private final ReentrantLock appending = new ReentrantLock();
  private volatile boolean producing = true;
  private volatile Throwable producerFailure;

  @BeforeEach
  void createStream() {
    http = server.http();
    url = server.createStateStream("crash/orders", "changes=9, interval=3600s");
  }

  @AfterEach
  void stopProducing() {
    producing = false;
  }

  private void produce() {
    RStreamClient writer = RStreamClient.builder().streamUrl(url).okHttpClient(http).build();
    Random random = new Random(42);
    try {
      while (producing) {
        List<Change> unit = new ArrayList<>();
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
          String key = "o" + random.nextInt(20);
          unit.add(
              random.nextInt(6) == 0
                  ? Change.delete("order", key)
                  : Change.update("order", key, "{\"qty\":" + random.nextInt(1000) + "}"));
        }
        // Paced like an app's writes, so a restarted reader catches up within a round.
        Thread.sleep(2);
        appending.lock();
        try {
          Offset offset = writer.append(unit).timeout(10, SECONDS).blockingGet();
          unitOffsets.add(offset);
          units.add(unit);
        } finally {
          appending.unlock();
        }
      }
    } catch (Throwable e) {
      if (producing) producerFailure = e;
    } finally {
      writer.close();
    }
  }

  /** The server's state after every unit at or before {@code offset}. */
  private Map<String, String> serverStateAt(Offset offset) {
    Map<String, String> state = new HashMap<>();
    for (int i = 0; i < units.size() && unitOffsets.get(i).compareTo(offset) <= 0; i++)
      apply(state, units.get(i));
    return state;
  }

  private static void apply(Map<String, String> state, List<Change> changes) {
    for (Change change : changes) {
      if (change.operation() == Change.Operation.DELETE) state.remove(change.key());
      else state.put(change.key(), change.value());
    }
  }

  @Test
  void killedAtRandomPointsWhileWritingTheStoreAlwaysRestartsFromAPrefixAndCatchesUp()
      throws Exception {
    File storeFile = new File(dir, "app.db");
    Thread producer = new Thread(this::produce, "producer");
    producer.start();
    Random random = new Random(7);
    int restoredNonEmpty = 0;
    try {
      for (int round = 0; round < ROUNDS; round++) {
        try (ChildJvm child = ChildJvm.start(StoreCrashChild.class, url, storeFile.getPath())) {
          String first = child.awaitLine("live"::equals, 20, SECONDS);
          assertThat(first)
              .as("round %s: child output:%n%s", round, child.output())
              .isEqualTo("live");
          // A random point while it reads and stores what the producer appends.
          Thread.sleep(random.nextInt(300));
          child.kill();
          assertThat(child.process().isAlive()).isFalse();
        }
        assertThat(producerFailure).isNull();

        appending.lock(); // the producer waits while this round checks the store
        try {
          Offset tail = unitOffsets.get(unitOffsets.size() - 1);
          try (SqliteStore store = SqliteStore.open(storeFile)) {
            StoredWindow live = store.liveWindow(url);
            if (live != null) {
              restoredNonEmpty++;
              Map<String, String> state = new HashMap<>();
              for (Change insert : live.keyframe()) state.put(insert.key(), insert.value());
              apply(state, live.changes());
              Offset end =
                  live.changes().isEmpty()
                      ? live.baseOffset()
                      : live.changes().get(live.changes().size() - 1).offset();
              assertThat(end)
                  .as("round %s: stored offset within the log", round)
                  .isLessThanOrEqualTo(tail);
              assertThat(state)
                  .as("round %s: stored state is the log's prefix up to %s", round, end)
                  .isEqualTo(serverStateAt(end));
            }
            RStreamClient client =
                RStreamClient.builder()
                    .streamUrl(url)
                    .okHttpClient(http)
                    .store(store)
                    .liveLinger(0, SECONDS)
                    .build();
            TestSubscriber<StateView> views = client.live().test();
            client.awaitOffset(tail).timeout(10, SECONDS).blockingAwait();
            StateView caughtUp = LiveViews.latestAtOrPast(views, tail);
            assertThat(new LinkedHashMap<>(caughtUp.entities("order")))
                .as("round %s: caught up", round)
                .isEqualTo(serverStateAt(tail));
            views.cancel();
            client.close();
          }
        } finally {
          appending.unlock();
        }
      }
    } finally {
      producing = false;
      producer.join(10_000);
    }
    assertThat(dir.list((d, name) -> name.contains(".corrupt-")))
        .as("nothing moved aside")
        .isEmpty();
    assertThat(restoredNonEmpty)
        .as("rounds that found a stored live window")
        .isGreaterThan(ROUNDS / 2);
  }
}
