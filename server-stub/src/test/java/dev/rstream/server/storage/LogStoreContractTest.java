package dev.rstream.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The {@link LogStore} contract, run over every implementation (Moshi style): a subclass per store
 * says how to open one on a fresh directory.
 */
abstract class LogStoreContractTest extends LogStoreFixture {
  @Test
  void createThenMetaReportsWhatWasGivenAndStoreSetsTheRest() throws Exception {
    assertThat(store.meta("a")).isNull();
    assertThat(await(store.create(meta("a"), messages("x", "yz")))).isEqualTo(3L);

    StreamMeta meta = store.meta("a");
    assertThat(meta).isNotNull();
    assertThat(meta.path()).isEqualTo("a");
    assertThat(meta.contentType()).isEqualTo("application/json");
    assertThat(meta.ttlSeconds()).isEqualTo(60L);
    assertThat(meta.expiresAtMillis()).isNull();
    assertThat(meta.keyframePolicy()).isEqualTo("every=100");
    assertThat(meta.createdAtMillis()).isEqualTo(1234L);
    assertThat(meta.tailPosition()).isEqualTo(3L);
    assertThat(meta.closed()).isFalse();
    assertThat(meta.lastStreamSeq()).isNull();
    assertThat(store.streams()).extracting(StreamMeta::path).containsExactly("a");
  }

  @Test
  void createWithoutMessagesGivesAnEmptyStream() throws Exception {
    assertThat(await(store.create(meta("a"), List.of()))).isEqualTo(0L);
    ReadResult read = store.read("a", 0, 100);
    assertThat(read.messages()).isEmpty();
    assertThat(read.upToDate()).isTrue();
  }

  @Test
  void createOverAnExistingStreamThrowsAndKeepsTheOldOne() throws Exception {
    await(store.create(meta("a"), messages("x")));
    long incarnation = store.meta("a").incarnation();
    assertThatThrownBy(() -> store.create(meta("a"), messages("y")))
        .isInstanceOf(StreamExistsException.class)
        .hasMessageContaining("a");
    assertThat(store.meta("a").incarnation()).isEqualTo(incarnation);
    assertThat(strings(store.read("a", 0, 100))).containsExactly("x");
  }

  @Test
  void createClosedStreamRefusesAppends() throws Exception {
    StreamMeta closed =
        new StreamMeta("a", 0, "application/json", null, null, null, 1, 0, true, null);
    await(store.create(closed, messages("only")));
    assertThat(store.meta("a").closed()).isTrue();
    assertThat(store.read("a", 0, 100).closed()).isTrue();
    assertThatThrownBy(() -> store.append("a", messages("more"), null, false))
        .isInstanceOf(StreamClosedException.class);
  }

  @Test
  void appendsReadBackFromEveryBoundary() throws Exception {
    await(store.create(meta("a"), List.of()));
    assertThat(append("a", "one")).isEqualTo(3L);
    assertThat(append("a", "two", "three")).isEqualTo(11L);

    assertThat(strings(store.read("a", 0, 1000))).containsExactly("one", "two", "three");
    assertThat(strings(store.read("a", 3, 1000))).containsExactly("two", "three");
    assertThat(strings(store.read("a", 6, 1000))).containsExactly("three");
    ReadResult atTail = store.read("a", 11, 1000);
    assertThat(atTail.messages()).isEmpty();
    assertThat(atTail.nextPosition()).isEqualTo(11L);
    assertThat(atTail.tailPosition()).isEqualTo(11L);
    assertThat(atTail.upToDate()).isTrue();
  }

  @Test
  void readPagesNeverSplitAMessageAndAlwaysReturnOne() throws Exception {
    await(store.create(meta("a"), List.of()));
    append("a", "aaaa", "bb", "cccccccc", "d");

    ReadResult first = store.read("a", 0, 1);
    assertThat(strings(first)).containsExactly("aaaa");
    assertThat(first.nextPosition()).isEqualTo(4L);
    assertThat(first.upToDate()).isFalse();

    ReadResult second = store.read("a", 4, 9);
    assertThat(strings(second)).containsExactly("bb");
    assertThat(second.nextPosition()).isEqualTo(6L);

    ReadResult third = store.read("a", 6, 9);
    assertThat(strings(third)).containsExactly("cccccccc", "d");
    assertThat(third.nextPosition()).isEqualTo(15L);
    assertThat(third.upToDate()).isTrue();

    // Paging by any size walks every message exactly once.
    for (int maxBytes = 0; maxBytes <= 16; maxBytes++) {
      List<String> all = new ArrayList<>();
      long position = 0;
      while (true) {
        ReadResult page = store.read("a", position, maxBytes);
        all.addAll(strings(page));
        position = page.nextPosition();
        if (page.upToDate()) break;
        assertThat(page.messages()).isNotEmpty();
      }
      assertThat(all).as("maxBytes %d", maxBytes).containsExactly("aaaa", "bb", "cccccccc", "d");
    }
  }

  @Test
  void unitEndPositionsPointPastEachMessagesUnit() throws Exception {
    await(store.create(meta("a"), messages("ab")));
    append("a", "c", "de", "f");
    append("a", "gh");
    ReadResult read = store.read("a", 0, 1000);
    assertThat(read.unitEndPositions()).containsExactly(2, 6, 6, 6, 8);
    assertThat(store.read("a", 3, 1000).unitEndPositions()).containsExactly(6, 6, 8);
  }

  @Test
  void readAtANonBoundaryThrowsInvalidPosition() throws Exception {
    await(store.create(meta("a"), messages("abc", "de")));
    assertThatThrownBy(() -> store.read("a", 1, 100))
        .isInstanceOf(InvalidPositionException.class)
        .hasMessageContaining("1");
    assertThatThrownBy(() -> store.read("a", 4, 100)).isInstanceOf(InvalidPositionException.class);
  }

  @Test
  void readPastTheTailOrBeforeTheStartThrowsInvalidPosition() throws Exception {
    await(store.create(meta("a"), messages("abc")));
    assertThatThrownBy(() -> store.read("a", 4, 100)).isInstanceOf(InvalidPositionException.class);
    assertThatThrownBy(() -> store.read("a", -1, 100)).isInstanceOf(InvalidPositionException.class);
  }

  @Test
  void operationsOnAMissingStreamThrowNoSuchStream() {
    assertThatThrownBy(() -> store.read("nope", 0, 10)).isInstanceOf(NoSuchStreamException.class);
    assertThatThrownBy(() -> store.append("nope", messages("x"), null, false))
        .isInstanceOf(NoSuchStreamException.class);
    assertThatThrownBy(() -> store.producers("nope")).isInstanceOf(NoSuchStreamException.class);
    assertThatThrownBy(() -> store.delete("nope")).isInstanceOf(NoSuchStreamException.class);
  }

  @Test
  void emptyMessageIsRefusedAndNothingIsAppended() throws Exception {
    await(store.create(meta("a"), messages("x")));
    assertThatThrownBy(() -> store.append("a", List.of(bytes("y"), new byte[0]), null, false))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(strings(store.read("a", 0, 100))).containsExactly("x");
  }

  @Test
  void closeThenAppendThrowsStreamClosed() throws Exception {
    await(store.create(meta("a"), List.of()));
    assertThat(await(store.append("a", messages("last"), null, true))).isEqualTo(4L);
    assertThat(store.meta("a").closed()).isTrue();
    ReadResult read = store.read("a", 0, 100);
    assertThat(strings(read)).containsExactly("last");
    assertThat(read.closed()).isTrue();
    assertThatThrownBy(() -> store.append("a", messages("more"), null, false))
        .isInstanceOf(StreamClosedException.class)
        .hasMessageContaining("a");
    assertThatThrownBy(() -> store.append("a", List.of(), null, true))
        .isInstanceOf(StreamClosedException.class);
  }

  @Test
  void closeWithoutMessagesKeepsTheTail() throws Exception {
    await(store.create(meta("a"), messages("x")));
    assertThat(await(store.append("a", List.of(), null, true))).isEqualTo(1L);
    assertThat(store.meta("a").tailPosition()).isEqualTo(1L);
    assertThat(store.meta("a").closed()).isTrue();
  }

  @Test
  void deleteThenCreateAgainGivesANewIncarnationAndEmptyData() throws Exception {
    await(store.create(meta("a"), messages("old", "data")));
    long first = store.meta("a").incarnation();
    await(store.delete("a"));
    assertThat(store.meta("a")).isNull();
    assertThat(store.streams()).isEmpty();
    assertThatThrownBy(() -> store.read("a", 0, 10)).isInstanceOf(NoSuchStreamException.class);

    await(store.create(meta("a"), List.of()));
    StreamMeta again = store.meta("a");
    assertThat(again.incarnation()).isNotEqualTo(first);
    assertThat(again.tailPosition()).isEqualTo(0L);
    assertThat(store.read("a", 0, 100).messages()).isEmpty();
    assertThat(store.producers("a")).isEmpty();
    append("a", "new");
    assertThat(strings(store.read("a", 0, 100))).containsExactly("new");
  }

  @Test
  void producerStatesRoundTripLatestPerProducer() throws Exception {
    await(store.create(meta("a"), List.of()));
    assertThat(store.producers("a")).isEmpty();
    ProducerState p1 = new ProducerState("p1", 0, 0, 1, false);
    ProducerState p2 = new ProducerState("p2", 3, 7, 2, false);
    ProducerState p1Next = new ProducerState("p1", 1, 0, 3, true);
    await(store.append("a", messages("x"), p1, false));
    await(store.append("a", messages("y"), p2, false));
    await(store.append("a", messages("z"), p1Next, true));
    assertThat(store.producers("a")).containsExactlyInAnyOrder(p1Next, p2);
  }

  @Test
  void streamSeqIsCommittedWithItsUnit() throws Exception {
    await(store.create(meta("a"), List.of()));
    await(store.append("a", messages("x"), null, "0001", false));
    assertThat(store.meta("a").lastStreamSeq()).isEqualTo("0001");
    await(store.append("a", messages("y"), null, null, false));
    assertThat(store.meta("a").lastStreamSeq()).isEqualTo("0001");
    await(store.append("a", messages("z"), null, "0002", false));
    assertThat(store.meta("a").lastStreamSeq()).isEqualTo("0002");
  }

  record Tail(String path, long tail, boolean closed, boolean deleted) {}

  @Test
  void tailListenersHearAppendsCloseAndDelete() throws Exception {
    BlockingQueue<Tail> tails = new LinkedBlockingQueue<>();
    AutoCloseable handle = store.addTailListener((p, t, c, d) -> tails.add(new Tail(p, t, c, d)));
    await(store.create(meta("a"), messages("ab")));
    assertThat(tails.poll(5, TimeUnit.SECONDS)).isEqualTo(new Tail("a", 2, false, false));
    append("a", "cde");
    assertThat(tails.poll(5, TimeUnit.SECONDS)).isEqualTo(new Tail("a", 5, false, false));
    await(store.append("a", List.of(), null, true));
    assertThat(tails.poll(5, TimeUnit.SECONDS)).isEqualTo(new Tail("a", 5, true, false));
    await(store.delete("a"));
    assertThat(tails.poll(5, TimeUnit.SECONDS)).isEqualTo(new Tail("a", 5, true, true));

    handle.close();
    await(store.create(meta("b"), messages("x")));
    append("b", "y");
    assertThat(tails).isEmpty();
  }

  @Test
  void readAfterTheTailListenerFiresSeesTheUnit() throws Exception {
    await(store.create(meta("a"), List.of()));
    AtomicReference<Throwable> failure = new AtomicReference<>();
    BlockingQueue<List<String>> seen = new LinkedBlockingQueue<>();
    store.addTailListener(
        (p, t, c, d) -> {
          try {
            seen.add(strings(store.read(p, 0, 1000)));
          } catch (Exception e) {
            failure.set(e);
          }
        });
    append("a", "x");
    assertThat(seen.poll(5, TimeUnit.SECONDS)).containsExactly("x");
    assertThat(failure.get()).isNull();
  }

  @Test
  void concurrentAppendsKeepEveryMessageOnceInPositionOrder() throws Exception {
    await(store.create(meta("a"), List.of()));
    int threads = 4;
    int perThread = 300;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    List<List<long[]>> acks = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      List<long[]> mine = new ArrayList<>();
      acks.add(mine);
      Thread worker =
          new Thread(
              () -> {
                try {
                  start.await();
                  List<CompletableFuture<Long>> futures = new ArrayList<>();
                  for (int i = 0; i < perThread; i++) {
                    futures.add(store.append("a", messages(id + ":" + i), null, false));
                  }
                  for (int i = 0; i < perThread; i++)
                    mine.add(new long[] {i, await(futures.get(i))});
                } catch (Throwable e) {
                  failure.set(e);
                }
              });
      workers.add(worker);
      worker.start();
    }
    start.countDown();
    for (Thread worker : workers) worker.join(30_000);
    assertThat(failure.get()).isNull();

    List<String> all = new ArrayList<>();
    List<Long> ends = new ArrayList<>();
    long position = 0;
    while (true) {
      ReadResult page = store.read("a", position, 500);
      all.addAll(strings(page));
      for (long end : page.unitEndPositions()) ends.add(end);
      position = page.nextPosition();
      if (page.upToDate()) break;
    }
    assertThat(all).hasSize(threads * perThread).doesNotHaveDuplicates();
    for (int t = 0; t < threads; t++) {
      // Each thread's messages appear in the order it issued them, each where its ack says.
      int last = -1;
      for (long[] ack : acks.get(t)) {
        int at = all.indexOf(t + ":" + ack[0]);
        assertThat(at).isGreaterThan(last);
        assertThat(ends.get(at)).isEqualTo(ack[1]);
        last = at;
      }
    }
  }
}
