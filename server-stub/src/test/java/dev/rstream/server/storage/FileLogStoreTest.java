package dev.rstream.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

final class FileLogStoreTest extends LogStoreContractTest {
  @Override
  LogStore open(Path dir) throws Exception {
    return FileLogStore.open(dir);
  }

  LogStore reopen() throws Exception {
    store.close();
    store = open(dir);
    return store;
  }

  Path onlyStreamFile() throws Exception {
    try (Stream<Path> files = Files.list(dir.resolve("streams"))) {
      List<Path> all = files.toList();
      assertThat(all).hasSize(1);
      return all.get(0);
    }
  }

  static List<String> readAll(LogStore store, String path) throws Exception {
    List<String> all = new ArrayList<>();
    long position = 0;
    while (true) {
      ReadResult page = store.read(path, position, 1 << 16);
      all.addAll(strings(page));
      position = page.nextPosition();
      if (page.upToDate()) return all;
    }
  }

  @Test
  void reopenRestoresStreamsDataProducersClosedFlagsAndMetas() throws Exception {
    StreamMeta full =
        new StreamMeta("a/b", 0, "application/json", null, 99L, "kf", 42L, 0, false, null);
    await(store.create(full, messages("one")));
    ProducerState producer = new ProducerState("p", 2, 5, 9, false);
    await(store.append("a/b", messages("two", "three"), producer, "s1", false));
    await(store.create(meta("closed"), messages("x")));
    await(store.append("closed", messages("y"), null, true));
    await(store.create(meta("gone"), messages("z")));
    await(store.delete("gone"));
    StreamMeta before = store.meta("a/b");
    StreamMeta closedBefore = store.meta("closed");

    reopen();

    assertThat(store.streams())
        .extracting(StreamMeta::path)
        .containsExactlyInAnyOrder("a/b", "closed");
    assertThat(store.meta("a/b")).isEqualTo(before);
    assertThat(before.lastStreamSeq()).isEqualTo("s1");
    assertThat(before.expiresAtMillis()).isEqualTo(99L);
    assertThat(store.meta("closed")).isEqualTo(closedBefore);
    assertThat(closedBefore.closed()).isTrue();
    assertThat(store.meta("gone")).isNull();
    assertThat(readAll(store, "a/b")).containsExactly("one", "two", "three");
    assertThat(store.read("a/b", 0, 100).unitEndPositions()).containsExactly(3, 11, 11);
    assertThat(store.producers("a/b")).containsExactly(producer);
    assertThatThrownBy(() -> store.append("closed", messages("more"), null, false))
        .isInstanceOf(StreamClosedException.class);

    // The reopened stream keeps growing where it left off.
    assertThat(append("a/b", "four")).isEqualTo(15L);
    reopen();
    assertThat(readAll(store, "a/b")).containsExactly("one", "two", "three", "four");
  }

  @Test
  void streamPathsNeverBecomeFileNames() throws Exception {
    await(store.create(meta("../../etc/passwd"), messages("x")));
    await(store.create(meta("/abs/olute"), messages("y")));
    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.map(p -> dir.relativize(p).toString()))
          .allMatch(
              name ->
                  name.isEmpty()
                      || name.equals("lock")
                      || name.matches("streams(/\\d{16}\\.log)?"));
    }
    reopen();
    assertThat(readAll(store, "../../etc/passwd")).containsExactly("x");
  }

  @Test
  void tornTailAtEveryByteRecoversEarlierRecordsAndAcceptsAppends() throws Exception {
    await(store.create(meta("a"), messages("first")));
    append("a", "second", "unit");
    Path file = onlyStreamFile();
    long before = Files.size(file);
    append("a", "torn-away");
    byte[] full = Files.readAllBytes(file);
    store.close();

    for (long cut = before; cut < full.length; cut++) {
      Files.write(file, java.util.Arrays.copyOf(full, (int) cut));
      store = open(dir);
      assertThat(readAll(store, "a"))
          .as("cut at %d", cut)
          .containsExactly("first", "second", "unit");
      assertThat(Files.size(file)).isEqualTo(before);
      assertThat(append("a", "after")).isEqualTo(20L);
      assertThat(readAll(store, "a")).containsExactly("first", "second", "unit", "after");
      store.close();
    }
    store = open(dir);
  }

  @Test
  void garbageAfterTheLastRecordIsTruncated() throws Exception {
    await(store.create(meta("a"), messages("x")));
    append("a", "y");
    Path file = onlyStreamFile();
    long size = Files.size(file);
    store.close();
    Files.write(
        file, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, StandardOpenOption.APPEND);

    store = open(dir);
    assertThat(readAll(store, "a")).containsExactly("x", "y");
    assertThat(Files.size(file)).isEqualTo(size);
    append("a", "z");
    reopen();
    assertThat(readAll(store, "a")).containsExactly("x", "y", "z");
  }

  @Test
  void zeroFilledTailIsTruncated() throws Exception {
    await(store.create(meta("a"), messages("x")));
    Path file = onlyStreamFile();
    long size = Files.size(file);
    store.close();
    Files.write(file, new byte[4096], StandardOpenOption.APPEND);
    store = open(dir);
    assertThat(readAll(store, "a")).containsExactly("x");
    assertThat(Files.size(file)).isEqualTo(size);
  }

  @Test
  void flippedByteInTheLastRecordFencesItWithoutCuttingIt() throws Exception {
    await(store.create(meta("a"), messages("x")));
    append("a", "y");
    Path file = onlyStreamFile();
    long before = Files.size(file);
    await(store.append("a", messages("zzzz"), new ProducerState("p", 0, 1, 6, false), false));
    long after = Files.size(file);
    store.close();

    for (long at = before; at < after; at++) {
      byte[] bytes = Files.readAllBytes(file);
      bytes[(int) at] ^= 0x40;
      Path copy = Files.createTempDirectory(dir.getParent(), "flip");
      Files.createDirectories(copy.resolve("streams"));
      Files.write(copy.resolve("streams").resolve(file.getFileName()), bytes);
      try (LogStore recovered = FileLogStore.open(copy)) {
        assertThat(recovered.read("a", 0, 100).messages()).as("flip at %d", at).hasSize(2);
        assertThatThrownBy(() -> recovered.read("a", 2, 100))
            .as("flip at %d", at)
            .hasCauseInstanceOf(StreamDamagedException.class);
        assertThat(recovered.producers("a")).isEmpty();
      }
      assertThat(Files.readAllBytes(copy.resolve("streams").resolve(file.getFileName())))
          .isEqualTo(bytes);
    }
    store = open(dir);
    assertThat(readAll(store, "a")).containsExactly("x", "y", "zzzz");
  }

  @Test
  void corruptRecordInTheMiddleFencesTheStreamThereAndTruncatesNothing() throws Exception {
    await(store.create(meta("a"), messages("x")));
    Path file = onlyStreamFile();
    long firstEnd = Files.size(file);
    append("a", "y");
    append("a", "z");
    store.close();
    byte[] bytes = Files.readAllBytes(file);
    bytes[(int) firstEnd + 12] ^= 1;
    Files.write(file, bytes);

    store = open(dir);
    assertThat(strings(store.read("a", 0, 100))).containsExactly("x");
    assertThatThrownBy(() -> store.read("a", 1, 100))
        .hasCauseInstanceOf(StreamDamagedException.class);
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
  }

  @Test
  void fileWithATornCreationIsDiscarded() throws Exception {
    await(store.create(meta("a"), messages("x")));
    Path file = onlyStreamFile();
    store.close();
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 1));

    store = open(dir);
    assertThat(store.streams()).isEmpty();
    assertThat(Files.exists(file)).isFalse();
    await(store.create(meta("a"), messages("again")));
    assertThat(readAll(store, "a")).containsExactly("again");
  }

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
        .hasCauseInstanceOf(java.io.IOException.class)
        .hasMessageContaining("closed");
    store = open(dir);
    assertThat(readAll(store, "a")).containsExactly("x");
  }

  @Test
  void closeCompletesPendingAppends() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    store.close();
    store =
        FileLogStore.open(
            dir,
            () -> {
              if (first.getAndSet(false)) awaitQuietly(release);
            });
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
    release.countDown();
    closer.join(10_000);
    assertThat(created).isCompletedWithValue(1L);
    for (CompletableFuture<Long> f : pending)
      assertThat(f).isCompleted().isNotCompletedExceptionally();
    store = open(dir);
    assertThat(readAll(store, "a")).hasSize(11);
  }

  @Test
  void groupCommitSharesOneFsyncBetweenConcurrentAppends() throws Exception {
    store.close();
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean hold = new AtomicBoolean(false);
    FileLogStore fileStore =
        FileLogStore.open(
            dir,
            () -> {
              if (hold.getAndSet(false)) awaitQuietly(release);
            });
    store = fileStore;
    await(store.create(meta("a"), List.of()));
    long forcesBefore = fileStore.forceCount();

    hold.set(true);
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
    release.countDown();
    for (CompletableFuture<Long> f : futures) await(f);

    long forces = fileStore.forceCount() - forcesBefore;
    assertThat(forces).isGreaterThan(0).isLessThan(appends).isLessThanOrEqualTo(2);
    assertThat(readAll(store, "a")).hasSize(appends).doesNotHaveDuplicates();
  }

  @Test
  void readsServeOnlyDurableUnits() throws Exception {
    store.close();
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean hold = new AtomicBoolean(false);
    store =
        FileLogStore.open(
            dir,
            () -> {
              if (hold.getAndSet(false)) awaitQuietly(release);
            });
    await(store.create(meta("a"), messages("x")));
    hold.set(true);
    CompletableFuture<Long> pending =
        store.append("a", messages("y"), new ProducerState("p", 0, 0, 2, false), "7", false);

    // Ordered state moves at once; readable state waits for the fsync.
    assertThat(store.producers("a")).extracting(ProducerState::producerId).containsExactly("p");
    assertThat(store.meta("a").lastStreamSeq()).isEqualTo("7");
    assertThat(store.meta("a").tailPosition()).isEqualTo(1L);
    assertThat(strings(store.read("a", 0, 100))).containsExactly("x");
    assertThatThrownBy(() -> store.read("a", 2, 100)).isInstanceOf(InvalidPositionException.class);

    release.countDown();
    assertThat(await(pending)).isEqualTo(2L);
    assertThat(strings(store.read("a", 0, 100))).containsExactly("x", "y");
  }

  @Test
  void largeUnitsAndManyMessagesRoundTrip() throws Exception {
    await(store.create(meta("a"), List.of()));
    byte[] big = new byte[3 << 20];
    for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
    await(store.append("a", List.of(big, bytes("after-big")), null, false));
    List<byte[]> many = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) many.add(bytes("m" + i));
    await(store.append("a", many, null, false));
    reopen();
    ReadResult first = store.read("a", 0, 1);
    assertThat(first.messages()).hasSize(1);
    assertThat(first.messages().get(0)).isEqualTo(big);
    List<String> rest = readAll(store, "a").subList(1, 20_002);
    assertThat(rest.get(0)).isEqualTo("after-big");
    assertThat(rest.get(20_000)).isEqualTo("m19999");
  }

  @Test
  void deleteAndRecreateSurviveReopen() throws Exception {
    await(store.create(meta("a"), messages("old")));
    await(store.delete("a"));
    await(store.create(meta("a"), messages("new")));
    long incarnation = store.meta("a").incarnation();
    reopen();
    assertThat(store.meta("a").incarnation()).isEqualTo(incarnation);
    assertThat(readAll(store, "a")).containsExactly("new");
  }

  @Test
  void deleteThatNeverReachedTheDiskLosesToTheLaterCreation() throws Exception {
    await(store.create(meta("a"), messages("old")));
    Path oldFile = onlyStreamFile();
    byte[] oldBytes = Files.readAllBytes(oldFile);
    await(store.delete("a"));
    await(store.create(meta("a"), messages("new")));
    store.close();
    // As if the unlink was lost in a crash while the new file's creation survived.
    Files.write(oldFile, oldBytes);

    store = open(dir);
    assertThat(readAll(store, "a")).containsExactly("new");
    assertThat(Files.exists(oldFile)).isFalse();
  }

  @Test
  void interruptedReaderFailsAloneAndOthersKeepReading() throws Exception {
    await(store.create(meta("a"), messages("x", "y")));
    assertThat(strings(store.read("a", 0, 100))).containsExactly("x", "y");
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> store.read("a", 0, 100))
          .isInstanceOf(java.io.UncheckedIOException.class);
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
    assertThatThrownBy(() -> failed.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(java.io.IOException.class);
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

  @Test
  void readAfterCloseThrowsIllegalState() throws Exception {
    await(store.create(meta("a"), messages("x")));
    store.close();
    assertThatThrownBy(() -> store.read("a", 0, 100)).isInstanceOf(IllegalStateException.class);
    store = open(dir);
  }

  static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
