package dev.rstream.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * I/O failures in a {@link FileLogStore}: an interrupted reader or a failed write fails alone, and
 * the store goes on without a reopen.
 */
final class FileLogStoreIoErrorTest extends FileLogStoreFixture {
  @Test
  void interruptedReaderFailsAloneAndOthersKeepReading() throws Exception {
    await(store.create(meta("a"), messages("x", "y")));
    assertThat(strings(store.read("a", 0, 100))).containsExactly("x", "y");
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> store.read("a", 0, 100)).isInstanceOf(UncheckedIOException.class);
    } finally {
      assertThat(Thread.interrupted()).isTrue();
    }
    assertThat(strings(store.read("a", 1, 100))).containsExactly("y");
    append("a", "z");
    assertThat(strings(store.read("a", 0, 100))).containsExactly("x", "y", "z");
  }

  @Test
  void diskErrorFailsTheWriteAndTheStoreHealsWithoutAReopen() throws Exception {
    await(store.create(meta("a"), messages("x")));
    // The next stream file cannot be created: a directory squats on its name.
    Path squatter = dir.resolve("streams").resolve("0000000000000002.log");
    Files.createDirectory(squatter);
    CompletableFuture<Long> failed = store.create(meta("b"), messages("y"));
    assertThatThrownBy(() -> failed.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
    assertThat(strings(store.read("a", 0, 100))).containsExactly("x");

    assertThat(FileLogStoreDiskFullTest.appendOnceHealed(store, "a", "z")).isEqualTo(2L);
    assertThat(store.meta("b")).isNull();
    await(store.create(meta("b"), messages("y")));
    assertThat(readAll(store, "b")).containsExactly("y");

    store.close();
    Files.delete(squatter);
    store = open(dir);
    assertThat(readAll(store, "a")).containsExactly("x", "z");
    assertThat(readAll(store, "b")).containsExactly("y");
    append("a", "after");
    assertThat(readAll(store, "a")).containsExactly("x", "z", "after");
  }
}
