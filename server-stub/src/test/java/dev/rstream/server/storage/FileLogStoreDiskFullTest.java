package dev.rstream.server.storage;

import static dev.rstream.server.storage.LogStoreFixture.await;
import static dev.rstream.server.storage.LogStoreFixture.messages;
import static dev.rstream.server.storage.LogStoreFixture.meta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk: appends fail with nothing acknowledged lost, and once space returns the store takes
 * appends again on its own, with no partial record, no phantom producer state and no stream whose
 * creation failed.
 */
final class FileLogStoreDiskFullTest {
  @TempDir Path dir;

  @Test
  void storeHealsByItselfOnceSpaceReturns() throws Exception {
    FullDisk disk = new FullDisk();
    try (LogStore store = FileLogStore.open(dir, disk)) {
      await(store.create(meta("a"), messages("x")));
      await(store.append("a", messages("y"), new ProducerState("p", 0, 0, 2, false), false));

      disk.free(5); // a record cut short on disk
      CompletableFuture<Long> cut =
          store.append("a", messages("lost"), new ProducerState("p", 0, 1, 6, false), false);
      assertFails(cut);
      assertFails(store.create(meta("b"), messages("b1")));
      assertFails(store.append("a", messages("still full"), null, false));

      disk.freeAll();
      long tail = appendOnceHealed(store, "a", "w");
      assertThat(tail).isEqualTo(3L);
      assertThat(LogStoreFixture.readAll(store, "a")).containsExactly("x", "y", "w");
      assertThat(store.producers("a")).containsExactly(new ProducerState("p", 0, 0, 2, false));
      assertThat(store.meta("b")).isNull();
      await(store.create(meta("b"), messages("b2")));
    }
    try (LogStore store = FileLogStore.open(dir)) {
      assertThat(LogStoreFixture.readAll(store, "a")).containsExactly("x", "y", "w");
      assertThat(LogStoreFixture.readAll(store, "b")).containsExactly("b2");
      assertThat(store.producers("a")).containsExactly(new ProducerState("p", 0, 0, 2, false));
    }
  }

  @Test
  void failedCloseDoesNotCloseTheStream() throws Exception {
    FullDisk disk = new FullDisk();
    try (LogStore store = FileLogStore.open(dir, disk)) {
      await(store.create(meta("a"), messages("x")));
      disk.free(0);
      assertFails(store.append("a", messages("end"), null, true));
      disk.freeAll();
      appendOnceHealed(store, "a", "more");
      assertThat(store.meta("a").closed()).isFalse();
      assertThat(LogStoreFixture.readAll(store, "a")).containsExactly("x", "more");
    }
  }

  private static void assertFails(CompletableFuture<?> future) {
    assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IOException.class);
  }

  /** Appends {@code message} as soon as the store takes it again; fails after ten seconds. */
  static long appendOnceHealed(LogStore store, String path, String message) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        return store.append(path, messages(message), null, false).get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (System.nanoTime() > deadline) throw e;
        Thread.sleep(20); // polling a condition: the store heals on its own thread
      }
    }
  }
}
