package dev.rstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.LocalStore.OutboxEntry;
import dev.rstream.LocalStore.StoredWindow;
import java.io.File;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The suite every {@link LocalStore} passes: they must behave the same. A store extends it with
 * {@link #newStore()}, or, kept in a file, with {@link #open(File)} and {@link #directory()} (then
 * the outbox's tests reopen its files); a store in another module gets it from the sdk's test-jar
 * ({@code rstream-sdk}, type {@code test-jar}, test scope).
 */
public abstract class LocalStoreContractTest {
  private static final String URL = "http://host/v1/stream/s";
  private static final String OTHER = "http://host/v1/stream/other";

  private final List<AutoCloseable> opened = new ArrayList<>();

  private final Map<LocalStore, File> files = new IdentityHashMap<>();
  private int created;

  /**
   * A new, empty store, on each call. One that is {@link AutoCloseable} is closed after the test.
   * By default a store {@linkplain #open(File) opened} in a new file of {@link #directory()}.
   */
  protected LocalStore newStore() throws Exception {
    File file = new File(directory(), "contract-" + (created++) + ".db");
    LocalStore store = open(file);
    files.put(store, file);
    return store;
  }

  /**
   * Closes {@code store} (one {@link #newStore()} returned) and opens its file again. Required of a
   * store that {@linkplain LocalStore#keepsOutbox keeps an outbox}; by default it opens the file
   * again with {@link #open(File)}.
   */
  protected LocalStore reopen(LocalStore store) throws Exception {
    File file = files.get(store);
    if (file == null) throw new UnsupportedOperationException("not a store in a file: " + store);
    ((AutoCloseable) store).close();
    LocalStore again = open(file);
    files.put(again, file);
    return again;
  }

  /** Opens (or creates) a store in {@code file}: a store kept in a file overrides this. */
  protected LocalStore open(File file) throws Exception {
    throw new UnsupportedOperationException("override newStore(), or open(file) and directory()");
  }

  /** Where {@link #newStore()} makes the files of the stores it {@linkplain #open(File) opens}. */
  protected File directory() {
    throw new UnsupportedOperationException("override newStore(), or open(file) and directory()");
  }

  private LocalStore open() throws Exception {
    LocalStore store = newStore();
    if (store instanceof AutoCloseable) opened.add((AutoCloseable) store);
    return store;
  }

  private LocalStore reopened(LocalStore store) throws Exception {
    LocalStore again = reopen(store);
    if (again instanceof AutoCloseable) opened.add((AutoCloseable) again);
    return again;
  }

  /** A new store that keeps an outbox; the test is skipped for one that does not. */
  private LocalStore openWithOutbox() throws Exception {
    LocalStore store = open();
    Assumptions.assumeTrue(store.keepsOutbox(), "this store keeps no outbox");
    return store;
  }

  private static List<Long> seqs(List<OutboxEntry> entries) {
    List<Long> result = new ArrayList<>();
    for (OutboxEntry e : entries) result.add(e.seq());
    return result;
  }

  private static List<String> bodies(List<OutboxEntry> entries) {
    List<String> result = new ArrayList<>();
    for (OutboxEntry e : entries) result.add(e.body());
    return result;
  }

  @AfterEach
  public void closeStores() throws Exception {
    for (AutoCloseable c : opened) c.close();
  }

  private static Keyframe keyframe(String offset, int second) {
    return Keyframe.of(Offset.of(offset), Instant.ofEpochSecond(1_700_000_000L + second));
  }

  private static Change change(String key, String value, String offset, int second) {
    return Change.update("item", key, value)
        .newBuilder()
        .oldValue("{\"n\":0}")
        .txid("tx-" + key)
        .timestamp(Instant.ofEpochSecond(1_700_000_000L + second, 123_000_000))
        .offset(Offset.of(offset))
        .build();
  }

  private static StoredWindow committed() {
    return StoredWindow.of(
        keyframe("0_10", 1),
        keyframe("0_30", 5),
        Offset.of("0_12"),
        Arrays.asList(
            Change.insert("item", "a", "{\"n\":1}").newBuilder().offset(Offset.of("0_12")).build()),
        Arrays.asList(
            change("a", "{\"n\":2}", "0_20", 2),
            Change.delete("item", "a").newBuilder().offset(Offset.of("0_25")).build()));
  }

  @Test
  public void committedWindowRoundTripsWithOffsetsAndTimestamps() throws Exception {
    LocalStore store = open();
    StoredWindow window = committed();
    store.putWindow(URL, window);
    StoredWindow read = store.window(URL, "0_10");
    assertThat(read).isNotNull();
    assertThat(read.start()).isEqualTo(window.start());
    assertThat(read.end()).isEqualTo(window.end());
    assertThat(read.baseOffset()).isEqualTo(window.baseOffset());
    assertThat(read.keyframe()).isEqualTo(window.keyframe());
    assertThat(read.changes()).isEqualTo(window.changes());
    assertThat(store.window(URL, "0_30")).isNull();
    assertThat(store.window(OTHER, "0_10")).isNull();
  }

  @Test
  public void keyframeIndexAndItsCompanionOffsetAreReplacedTogether() throws Exception {
    LocalStore store = open();
    assertThat(store.keyframes(URL)).isEmpty();
    assertThat(store.keyframesNext(URL)).isEqualTo(Offset.START);
    store.putKeyframes(
        URL, Arrays.asList(keyframe("-1", 0), keyframe("0_10", 1)), Offset.of("i_2"));
    store.putKeyframes(
        URL,
        Arrays.asList(keyframe("-1", 0), keyframe("0_10", 1), keyframe("0_30", 5)),
        Offset.of("i_3"));
    assertThat(store.keyframes(URL))
        .containsExactly(keyframe("-1", 0), keyframe("0_10", 1), keyframe("0_30", 5));
    assertThat(store.keyframesNext(URL)).isEqualTo(Offset.of("i_3"));
    // Not an extension (the stream was rebuilt): replaced, not appended to.
    store.putKeyframes(URL, Arrays.asList(keyframe("1_05", 9)), Offset.of("j_1"));
    assertThat(store.keyframes(URL)).containsExactly(keyframe("1_05", 9));
  }

  @Test
  public void liveBatchesAppendOnlyWhereTheStoredWindowEnds() throws Exception {
    LocalStore store = open();
    assertThat(
            store.appendLive(
                URL, "0_30", Offset.of("0_32"), Collections.emptyList(), Offset.of("0_32")))
        .isFalse();
    store.putLiveWindow(
        URL,
        StoredWindow.of(
            keyframe("0_30", 5),
            null,
            Offset.of("0_32"),
            Collections.emptyList(),
            Collections.emptyList()));
    Change first = change("a", "{\"n\":3}", "0_40", 6);
    Change second = change("b", "{\"n\":4}", "0_50", 7);
    assertThat(
            store.appendLive(
                URL, "0_30", Offset.of("0_32"), Arrays.asList(first), Offset.of("0_40")))
        .isTrue();
    // A second writer at the old position, or for another window, writes nothing.
    assertThat(
            store.appendLive(
                URL, "0_30", Offset.of("0_32"), Arrays.asList(first), Offset.of("0_40")))
        .isFalse();
    assertThat(
            store.appendLive(
                URL, "0_10", Offset.of("0_40"), Arrays.asList(second), Offset.of("0_50")))
        .isFalse();
    assertThat(
            store.appendLive(
                URL, "0_30", Offset.of("0_40"), Arrays.asList(second), Offset.of("0_50")))
        .isTrue();

    StoredWindow live = store.liveWindow(URL);
    assertThat(live).isNotNull();
    assertThat(live.id()).isEqualTo("0_30");
    assertThat(live.end()).isNull();
    assertThat(live.changes()).containsExactly(first, second);
  }

  @Test
  public void aNewLiveWindowReplacesTheOld() throws Exception {
    LocalStore store = open();
    store.putLiveWindow(
        URL,
        StoredWindow.of(
            keyframe("0_30", 5),
            null,
            Offset.of("0_32"),
            Collections.emptyList(),
            Arrays.asList(change("a", "1", "0_40", 6))));
    store.putLiveWindow(
        URL,
        StoredWindow.of(
            keyframe("0_50", 8),
            null,
            Offset.of("0_52"),
            Arrays.asList(Change.insert("item", "a", "1")),
            Collections.emptyList()));
    StoredWindow live = store.liveWindow(URL);
    assertThat(live.id()).isEqualTo("0_50");
    assertThat(live.changes()).isEmpty();
    assertThat(live.keyframe()).containsExactly(Change.insert("item", "a", "1"));
  }

  @Test
  public void clearDropsOneStreamOnly() throws Exception {
    LocalStore store = open();
    for (String url : Arrays.asList(URL, OTHER)) {
      store.putWindow(url, committed());
      store.putKeyframes(url, Arrays.asList(keyframe("0_10", 1)), Offset.of("i_1"));
      store.putLiveWindow(
          url,
          StoredWindow.of(
              keyframe("0_30", 5),
              null,
              Offset.of("0_32"),
              Collections.emptyList(),
              Collections.emptyList()));
    }
    store.clear(URL);
    assertThat(store.window(URL, "0_10")).isNull();
    assertThat(store.liveWindow(URL)).isNull();
    assertThat(store.keyframes(URL)).isEmpty();
    assertThat(store.keyframesNext(URL)).isEqualTo(Offset.START);
    assertThat(store.window(OTHER, "0_10")).isNotNull();
    assertThat(store.liveWindow(OTHER)).isNotNull();
    assertThat(store.keyframes(OTHER)).hasSize(1);
  }

  @Test
  public void producerIdAndEpochAreKeptPerStreamAndCleared() throws Exception {
    LocalStore store = open();
    assertThat(store.producer(URL)).isNull();
    store.putProducer(URL, LocalStore.StoredProducer.of("app-1", 0));
    store.putProducer(URL, LocalStore.StoredProducer.of("app-1", 3));
    store.putProducer(OTHER, LocalStore.StoredProducer.of("app-2", 1));
    assertThat(store.producer(URL)).isEqualTo(LocalStore.StoredProducer.of("app-1", 3));
    store.clear(URL);
    assertThat(store.producer(URL)).isNull();
    assertThat(store.producer(OTHER)).isEqualTo(LocalStore.StoredProducer.of("app-2", 1));
  }

  @Test
  public void aCommittedWindowIsNeverReplaced() throws Exception {
    LocalStore store = open();
    store.putWindow(URL, committed());
    StoredWindow other =
        StoredWindow.of(
            keyframe("0_10", 1),
            keyframe("0_30", 5),
            Offset.of("0_12"),
            Collections.emptyList(),
            Collections.emptyList());
    store.putWindow(URL, other);
    assertThat(store.window(URL, "0_10").changes()).hasSize(2);
  }

  @Test
  public void aStoreKeepsAnOutboxExactlyWhenItSaysItDoes() throws Exception {
    LocalStore store = open();
    if (store.keepsOutbox()) {
      store.addToOutbox(URL, "app-1", "[]");
      assertThat(store.outbox(URL)).containsExactly(OutboxEntry.of("app-1", 0, 0, "[]"));
    } else {
      assertThatThrownBy(() -> store.addToOutbox(URL, "app-1", "[]"))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThat(store.outbox(URL)).isEmpty();
    }
  }

  @Test
  public void outboxEntriesAreNumberedInOrderAndAcknowledgedUpToASequenceNumber() throws Exception {
    LocalStore store = openWithOutbox();
    assertThat(store.outbox(URL)).isEmpty();
    assertThat(store.addToOutbox(URL, "app-1", "[1]"))
        .isEqualTo(OutboxEntry.of("app-1", 0, 0, "[1]"));
    store.addToOutbox(URL, "app-1", "[2]");
    // The stored producer is kept: a new id offered later is not taken.
    assertThat(store.addToOutbox(URL, "app-2", "[3]"))
        .isEqualTo(OutboxEntry.of("app-1", 0, 2, "[3]"));
    assertThat(store.outbox(URL))
        .containsExactly(
            OutboxEntry.of("app-1", 0, 0, "[1]"),
            OutboxEntry.of("app-1", 0, 1, "[2]"),
            OutboxEntry.of("app-1", 0, 2, "[3]"));

    store.acknowledgeOutbox(URL, 0, 1); // the entry and every one before it leave
    assertThat(store.outbox(URL)).containsExactly(OutboxEntry.of("app-1", 0, 2, "[3]"));
    store.acknowledgeOutbox(URL, 0, 1); // again: nothing more leaves
    assertThat(seqs(store.outbox(URL))).containsExactly(2L);
    assertThat(store.addToOutbox(URL, "app-1", "[4]").seq()).isEqualTo(3);
    store.acknowledgeOutbox(URL, 0, 3);
    assertThat(store.outbox(URL)).isEmpty();
  }

  @Test
  public void aGroupOfOutboxEntriesIsNumberedInItsOrderAfterThoseBefore() throws Exception {
    LocalStore store = openWithOutbox();
    store.addToOutbox(URL, "app-1", "[0]");
    assertThat(store.addToOutbox(URL, "app-2", List.of("[1]", "[2]", "[3]")))
        .containsExactly(
            OutboxEntry.of("app-1", 0, 1, "[1]"),
            OutboxEntry.of("app-1", 0, 2, "[2]"),
            OutboxEntry.of("app-1", 0, 3, "[3]"));
    assertThat(bodies(store.outbox(URL))).containsExactly("[0]", "[1]", "[2]", "[3]");
    assertThat(store.addToOutbox(URL, "app-1", "[4]").seq()).isEqualTo(4);
  }

  @Test
  public void aRemovedEntryLeavesAndTheRestAreNumberedAgainAtTheGivenEpoch() throws Exception {
    LocalStore store = openWithOutbox();
    for (int i = 0; i < 4; i++) store.addToOutbox(URL, "app-1", "[" + i + "]");
    List<OutboxEntry> renumbered = store.renumberOutbox(URL, 1, 3, 10);
    assertThat(renumbered)
        .containsExactly(
            OutboxEntry.of("app-1", 3, 10, "[0]"),
            OutboxEntry.of("app-1", 3, 11, "[2]"),
            OutboxEntry.of("app-1", 3, 12, "[3]"));
    assertThat(store.outbox(URL)).isEqualTo(renumbered);
    assertThat(store.addToOutbox(URL, "app-1", "[4]"))
        .isEqualTo(OutboxEntry.of("app-1", 3, 13, "[4]"));
    // -1 removes none: only the numbers change.
    assertThat(seqs(store.renumberOutbox(URL, -1, 4, 0))).containsExactly(0L, 1L, 2L, 3L);
    assertThat(bodies(store.outbox(URL))).containsExactly("[0]", "[2]", "[3]", "[4]");
  }

  @Test
  public void theOutboxItsProducerAndItsNextNumberSurviveAReopen() throws Exception {
    LocalStore store = openWithOutbox();
    store.addToOutbox(URL, "app-1", "[1]");
    store.addToOutbox(URL, "app-1", "[2]");
    store.addToOutbox(URL, "app-1", "[3]");
    store.acknowledgeOutbox(URL, 0, 0);
    store.renumberOutbox(URL, 2, 5, 7); // a refused entry leaves, the rest at epoch 5

    LocalStore again = reopened(store);
    assertThat(again.outbox(URL)).containsExactly(OutboxEntry.of("app-1", 5, 7, "[2]"));
    // A restarted client keeps the stored identity and numbers on: never epoch + 1, never seq 0.
    assertThat(again.addToOutbox(URL, "app-new", "[4]"))
        .isEqualTo(OutboxEntry.of("app-1", 5, 8, "[4]"));
    again.acknowledgeOutbox(URL, 5, 8);
    LocalStore third = reopened(again);
    assertThat(third.outbox(URL)).isEmpty();
    assertThat(third.addToOutbox(URL, "app-new", "[5]"))
        .isEqualTo(OutboxEntry.of("app-1", 5, 9, "[5]"));
  }

  @Test
  public void twoClientsSharingTheStoreEachKeepTheirOwnOutbox() throws Exception {
    LocalStore store = openWithOutbox();
    for (int i = 0; i < 3; i++) {
      store.addToOutbox(URL, "orders-app", "[\"o" + i + "\"]");
      store.addToOutbox(OTHER, "stock-app", "[\"s" + i + "\"]");
    }
    assertThat(store.outbox(URL))
        .extracting(OutboxEntry::producerId)
        .containsOnly("orders-app")
        .hasSize(3);
    assertThat(seqs(store.outbox(OTHER))).containsExactly(0L, 1L, 2L);
    assertThat(bodies(store.outbox(OTHER))).containsExactly("[\"s0\"]", "[\"s1\"]", "[\"s2\"]");

    store.acknowledgeOutbox(URL, 0, 2);
    store.renumberOutbox(URL, -1, 1, 0);
    assertThat(store.outbox(URL)).isEmpty();
    assertThat(store.outbox(OTHER)).hasSize(3);
    // A reset of one stream drops its windows, not what its app still has to send.
    store.clear(OTHER);
    assertThat(store.outbox(OTHER))
        .containsExactly(
            OutboxEntry.of("stock-app", 0, 0, "[\"s0\"]"),
            OutboxEntry.of("stock-app", 0, 1, "[\"s1\"]"),
            OutboxEntry.of("stock-app", 0, 2, "[\"s2\"]"));
  }

  @Test
  public void clientsAppendingToOneStreamAtOnceEachTakeTheirOwnNumbers() throws Exception {
    LocalStore store = openWithOutbox();
    int perClient = 50;
    ExecutorService clients = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<Long>>> taken = new ArrayList<>();
      for (String client : Arrays.asList("a", "b")) {
        taken.add(
            clients.submit(
                () -> {
                  start.await();
                  List<Long> mine = new ArrayList<>();
                  for (int i = 0; i < perClient; i++)
                    mine.add(store.addToOutbox(URL, "app", "[\"" + client + i + "\"]").seq());
                  return mine;
                }));
      }
      start.countDown();
      List<Long> all = new ArrayList<>();
      for (Future<List<Long>> f : taken) {
        List<Long> mine = f.get(30, TimeUnit.SECONDS);
        assertThat(mine).isSorted();
        all.addAll(mine);
      }
      Collections.sort(all);
      List<Long> expected = new ArrayList<>();
      for (long i = 0; i < 2 * perClient; i++) expected.add(i);
      assertThat(all).isEqualTo(expected);
      List<OutboxEntry> stored = store.outbox(URL);
      assertThat(seqs(stored)).isEqualTo(expected);
      assertThat(bodies(stored)).hasSize(2 * perClient).doesNotHaveDuplicates();
    } finally {
      clients.shutdownNow();
    }
  }
}
