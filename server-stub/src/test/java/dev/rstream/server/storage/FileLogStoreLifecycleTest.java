package dev.rstream.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Opening and closing a {@link FileLogStore}: one store per directory, close completes the appends
 * already taken, and calls after close fail.
 */
final class FileLogStoreLifecycleTest extends FileLogStoreFixture {
  @Test
  void secondOpenOfTheSameDirectoryIsRefused() throws Exception {
    assertThatThrownBy(() -> FileLogStore.open(dir))
        .isInstanceOf(StoreLockedException.class)
        .hasMessageContaining("already open")
        .hasMessageContaining(dir.toAbsolutePath().toString());
    // The refused open did not disturb the first one.
    await(store.create(meta("a"), messages("x")));
    store.close();
    store = FileLogStore.open(dir);
    assertThat(readAll(store, "a")).containsExactly("x");
  }

  @Test
  void appendsAfterCloseFailTheirFuture() throws Exception {
    await(store.create(meta("a"), messages("x")));
    store.close();
    CompletableFuture<Long> late = store.append("a", messages("y"), null, false);
    assertThatThrownBy(() -> late.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IOException.class)
        .hasMessageContaining("closed");
    store = open(dir);
    assertThat(readAll(store, "a")).containsExactly("x");
  }

  @Test
  void closeCompletesPendingAppends() throws Exception {
    HeldGroup group = HeldGroup.holdingTheFirst();
    reopenHolding(group);
    CompletableFuture<Long> created = store.create(meta("a"), messages("x"));
    List<CompletableFuture<Long>> pending = new ArrayList<>();
    for (int i = 0; i < 10; i++) pending.add(store.append("a", messages("m" + i), null, false));
    Thread closer =
        new Thread(
            () -> {
              try {
                store.close();
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    closer.start();
    group.release();
    closer.join(10_000);
    assertThat(created).isCompletedWithValue(1L);
    for (CompletableFuture<Long> f : pending)
      assertThat(f).isCompleted().isNotCompletedExceptionally();
    store = open(dir);
    assertThat(readAll(store, "a")).hasSize(11);
  }

  @Test
  void readAfterCloseThrowsIllegalState() throws Exception {
    await(store.create(meta("a"), messages("x")));
    store.close();
    assertThatThrownBy(() -> store.read("a", 0, 100)).isInstanceOf(IllegalStateException.class);
    store = open(dir);
  }
}
