package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.RecordingHttp;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import dev.rstream.testing.WindowedHistory;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client's memory budget against the real server-stub: committed windows beyond it are dropped
 * least recently used first, brought back from the store with no request (or read again without
 * one), and the live window is never dropped.
 */
@ExtendWith(UndeliveredRxErrors.class)
class MemoryBudgetTest {
  private static final int ENTITIES = 8;
  private static final int VALUE_BYTES = 256;

  final StubServerExtension server = StubServerExtension.inMemory();

  @RegisterExtension final ServerClients clients = new ServerClients(server);

  @TempDir File dir;

  /** Every request the clients under test sent. */
  private RecordingHttp recording;

  private WindowedHistory history;

  @BeforeEach
  void start() {
    String url = server.createStateStream("long/lived", "changes=" + ENTITIES + ", interval=3600s");
    history =
        new WindowedHistory(
            server.http(), url, Instant.parse("2020-01-01T00:00:00Z"), ENTITIES, VALUE_BYTES);
    recording = new RecordingHttp(server.http());
  }

  /** A client with {@code budget}, on {@code store}, or on none if null. */
  private RStreamClient client(long budget, @Nullable LocalStore store) {
    RStreamClient.Builder builder =
        clients
            .withoutLinger(server.streamUrl("long/lived"))
            .okHttpClient(recording.client())
            .memoryBudget(budget);
    if (store != null) builder.store(store);
    return clients.client(builder);
  }

  /** The state at the time of batch {@code b}: every entity as batch {@code b} wrote it. */
  private void assertStateOfBatch(StateView view, int b) {
    assertThat(view.entities(WindowedHistory.TYPE)).hasSize(ENTITIES);
    assertThat(view.entities(WindowedHistory.TYPE).get("e0")).isEqualTo(history.value(b, 0));
    assertThat(view.entities(WindowedHistory.TYPE).get("e" + (ENTITIES - 1)))
        .isEqualTo(history.value(b, ENTITIES - 1));
  }

  private static List<WindowInfo> committed(RStreamClient client) {
    List<WindowInfo> committed = new ArrayList<>();
    for (WindowInfo w : client.windows().blockingFirst()) {
      if (w.state() == WindowState.COMMITTED) committed.add(w);
    }
    return committed;
  }

  private static long held(List<WindowInfo> windows) {
    return windows.stream().filter(WindowInfo::held).count();
  }

  /** Heap in use after collecting what is unreachable. */
  private static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    // A few rounds: one collection can leave what finalisation or reference processing frees.
    for (int i = 0; i < 3; i++) {
      memory.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  @Test
  void scrubbingAThousandWindowsHoldsAtMostTheBudget() throws Exception {
    int windows = 1000;
    // The window before the first batch's keyframe is empty, and the last keyframe starts the live
    // window: one more than is scrubbed.
    int batches = history.writeUntilWindows(0, windows + 1);
    long budget = 128 << 10;
    RStreamClient client = client(budget, null);
    assertStateOfBatch(client.window(history.time(0)).timeout(10, SECONDS).blockingLast(), 0);
    long before = usedHeapAfterGc();

    for (int b = 1; b < batches - 1; b++) { // the last batch's time is in the live window
      StateView view = client.window(history.time(b)).timeout(10, SECONDS).blockingLast();
      if (b % 97 == 0) assertStateOfBatch(view, b);
    }
    List<WindowInfo> committed = committed(client);
    long grown = usedHeapAfterGc() - before;

    assertThat(committed).hasSizeGreaterThanOrEqualTo(windows);
    // Each window weighs more than its keyframe's values: so many fit the budget at most.
    long atMost = budget / ((long) ENTITIES * VALUE_BYTES);
    assertThat(held(committed)).isBetween(1L, atMost);
    // Held all, the windows take over 8 MiB (measured with no budget); the budget, the list of
    // windows and the keyframe index take under 3 MiB.
    assertThat(grown).as("heap grown while scrubbing, bytes").isLessThan(3L << 20);
  }

  @Test
  void aDroppedWindowComesBackFromTheStoreWithNoRequest() throws Exception {
    int windows = 20;
    history.write(0, windows + 1);
    try (SqliteStore store = SqliteStore.open(new File(dir, "rstream.db"))) {
      // A window weighs more than its values (keyframe and changes: 2 x 16 x 256 B) and less than
      // eight times that: at least one and at most eight fit.
      RStreamClient client = client(8L * 2 * ENTITIES * VALUE_BYTES, store);
      for (int b = 0; b < windows; b++) {
        StateView view = client.window(history.time(b)).timeout(10, SECONDS).blockingLast();
        assertStateOfBatch(view, b);
        assertThat(view.fromStore()).isFalse();
      }
      List<WindowInfo> committed = committed(client);
      assertThat(committed).hasSize(windows);
      assertThat(held(committed)).isBetween(1L, 8L);
      assertThat(committed.get(0).held()).as("least recently used").isFalse();
      assertThat(committed.get(windows - 1).held()).as("used last").isTrue();

      int sent = recording.sent();
      StateView again = client.window(history.time(0)).timeout(10, SECONDS).blockingLast();
      assertStateOfBatch(again, 0);
      assertThat(again.fromStore()).isTrue();
      assertThat(recording.requests()).hasSize(sent);
      assertThat(committed(client).get(0).held()).isTrue();
    }
  }

  @Test
  void withNoStoreADroppedWindowIsReadAgainAndTheLiveWindowIsNeverDropped() throws Exception {
    history.write(0, 4);
    RStreamClient client = client(0, null); // holds no committed window at all
    TestSubscriber<StateView> live = client.live().test();
    live.awaitCount(1);
    for (int b = 0; b < 3; b++) {
      assertStateOfBatch(client.window(history.time(b)).timeout(10, SECONDS).blockingLast(), b);
    }
    List<WindowInfo> set = client.windows().blockingFirst();
    assertThat(set)
        .filteredOn(w -> w.state() == WindowState.COMMITTED)
        .hasSize(3)
        .noneMatch(WindowInfo::held);
    assertThat(set)
        .filteredOn(w -> w.state() == WindowState.LIVE)
        .singleElement()
        .matches(WindowInfo::held);

    int sent = recording.sent();
    StateView again = client.window(history.time(1)).timeout(10, SECONDS).blockingLast();
    assertStateOfBatch(again, 1);
    List<HttpUrl> requests = recording.requests();
    assertThat(requests.subList(sent, requests.size()))
        .as("one read of that window's range")
        .hasSize(1);
    assertThat(live.values().get(live.values().size() - 1).entities(WindowedHistory.TYPE).get("e0"))
        .isEqualTo(history.value(3, 0));
    live.cancel();
  }
}
