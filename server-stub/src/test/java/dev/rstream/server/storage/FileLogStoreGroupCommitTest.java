package dev.rstream.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@link FileLogStore}'s group commit: appends are ordered at once and acknowledged by one fsync
 * per group, and reads serve only what an fsync made durable.
 */
final class FileLogStoreGroupCommitTest extends FileLogStoreFixture {
  @Test
  void groupCommitSharesOneFsyncBetweenConcurrentAppends() throws Exception {
    HeldGroup group = HeldGroup.open();
    FileLogStore fileStore = reopenHolding(group);
    await(store.create(meta("a"), List.of()));
    long forcesBefore = fileStore.forceCount();

    group.holdNext();
    int appends = 50;
    List<CompletableFuture<Long>> futures = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 5; t++) {
      int id = t;
      Thread thread =
          new Thread(
              () -> {
                for (int i = 0; i < appends / 5; i++) {
                  try {
                    CompletableFuture<Long> f =
                        store.append("a", messages(id + ":" + i), null, false);
                    synchronized (futures) {
                      futures.add(f);
                    }
                  } catch (Exception e) {
                    throw new RuntimeException(e);
                  }
                }
              });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) thread.join(10_000);
    // Every append returned (was ordered) while the writer was held: none is durable yet.
    assertThat(futures).hasSize(appends).noneMatch(CompletableFuture::isDone);
    assertThat(store.meta("a").tailPosition()).isEqualTo(0L);
    group.release();
    for (CompletableFuture<Long> f : futures) await(f);

    long forces = fileStore.forceCount() - forcesBefore;
    assertThat(forces).isGreaterThan(0).isLessThan(appends).isLessThanOrEqualTo(2);
    assertThat(readAll(store, "a")).hasSize(appends).doesNotHaveDuplicates();
  }

  @Test
  void readsServeOnlyDurableUnits() throws Exception {
    HeldGroup group = HeldGroup.open();
    reopenHolding(group);
    await(store.create(meta("a"), messages("x")));
    group.holdNext();
    CompletableFuture<Long> pending =
        store.append("a", messages("y"), new ProducerState("p", 0, 0, 2, false), "7", false);

    // Ordered state moves at once; readable state waits for the fsync.
    assertThat(store.producers("a")).extracting(ProducerState::producerId).containsExactly("p");
    assertThat(store.meta("a").lastStreamSeq()).isEqualTo("7");
    assertThat(store.meta("a").tailPosition()).isEqualTo(1L);
    assertThat(strings(store.read("a", 0, 100))).containsExactly("x");
    assertThatThrownBy(() -> store.read("a", 2, 100)).isInstanceOf(InvalidPositionException.class);

    group.release();
    assertThat(await(pending)).isEqualTo(2L);
    assertThat(strings(store.read("a", 0, 100))).containsExactly("x", "y");
  }
}
