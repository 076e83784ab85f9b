package dev.rstream;

import static dev.rstream.LocalStoreContractTest.OTHER;
import static dev.rstream.LocalStoreContractTest.URL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.LocalStore.OutboxEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The store contract on the outbox: what an app wrote and the server has not acknowledged, numbered
 * per stream, kept across a reopen. A store that keeps no outbox must say so and refuse entries;
 * the other cases are skipped for it. Run for every store as {@link LocalStoreContractTest.Outbox}.
 */
public abstract class LocalStoreOutboxContract {
  private final LocalStoreContractTest stores;

  LocalStoreOutboxContract(LocalStoreContractTest stores) {
    this.stores = stores;
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

  @Test
  public void aStoreKeepsAnOutboxExactlyWhenItSaysItDoes() throws Exception {
    LocalStore store = stores.open();
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
    LocalStore store = stores.openWithOutbox();
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
    LocalStore store = stores.openWithOutbox();
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
    LocalStore store = stores.openWithOutbox();
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
    LocalStore store = stores.openWithOutbox();
    store.addToOutbox(URL, "app-1", "[1]");
    store.addToOutbox(URL, "app-1", "[2]");
    store.addToOutbox(URL, "app-1", "[3]");
    store.acknowledgeOutbox(URL, 0, 0);
    store.renumberOutbox(URL, 2, 5, 7); // a refused entry leaves, the rest at epoch 5

    LocalStore again = stores.reopened(store);
    assertThat(again.outbox(URL)).containsExactly(OutboxEntry.of("app-1", 5, 7, "[2]"));
    // A restarted client keeps the stored identity and numbers on: never epoch + 1, never seq 0.
    assertThat(again.addToOutbox(URL, "app-new", "[4]"))
        .isEqualTo(OutboxEntry.of("app-1", 5, 8, "[4]"));
    again.acknowledgeOutbox(URL, 5, 8);
    LocalStore third = stores.reopened(again);
    assertThat(third.outbox(URL)).isEmpty();
    assertThat(third.addToOutbox(URL, "app-new", "[5]"))
        .isEqualTo(OutboxEntry.of("app-1", 5, 9, "[5]"));
  }

  @Test
  public void twoClientsSharingTheStoreEachKeepTheirOwnOutbox() throws Exception {
    LocalStore store = stores.openWithOutbox();
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
    LocalStore store = stores.openWithOutbox();
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
