package dev.rstream.server.storage;

import static dev.rstream.server.storage.LogStoreFixture.await;
import static dev.rstream.server.storage.LogStoreFixture.bytes;
import static dev.rstream.server.storage.LogStoreFixture.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LogCompaction}: a trimmed stream's file is rewritten without what it dropped; offsets,
 * producer states and the kept messages stay, across reopening, concurrent readers and a crash
 * before the rename.
 */
class FileLogCompactionTest {
  private static final String PRODUCER = "early-producer";

  @TempDir Path dir;
  private FileLogStore store;

  @AfterEach
  void close() throws Exception {
    if (store != null) store.close();
  }

  private static StreamMeta meta(String path) {
    return new StreamMeta(path, 0, "application/json", null, null, null, 1L, 0, false, null);
  }

  private Path streamFile() throws Exception {
    try (Stream<Path> files = Files.list(dir.resolve("streams"))) {
      List<Path> all = files.toList();
      assertThat(all).hasSize(1);
      return all.get(0);
    }
  }

  /** 200 units of one 100-byte message; the first carries a producer state. Returns unit ends. */
  private List<Long> fill(String path) throws Exception {
    await(store.create(meta(path), List.of()));
    List<Long> ends = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ProducerState producer = i == 0 ? new ProducerState(PRODUCER, 3, 7, 0, false) : null;
      ends.add(await(store.append(path, List.of(message(i)), producer, "seq-" + i, false)));
    }
    return ends;
  }

  private static byte[] message(int i) {
    return bytes(String.format("{\"n\":%05d,\"pad\":\"%s\"}", i, "x".repeat(80)));
  }

  private static List<String> readFrom(LogStore store, String path, long position)
      throws Exception {
    List<String> all = new ArrayList<>();
    while (true) {
      ReadResult page = store.read(path, position, 1 << 12);
      all.addAll(strings(page));
      position = page.nextPosition();
      if (page.upToDate()) return all;
    }
  }

  private static List<String> expected(int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < to; i++) out.add(new String(message(i), StandardCharsets.UTF_8));
    return out;
  }

  @Test
  void compactionGivesTheSpaceBackAndKeepsOffsetsProducersAndTheRest() throws Exception {
    store = FileLogStore.open(dir);
    List<Long> ends = fill("a");
    long cut = ends.get(149); // keep the last 50 units
    long before = Files.size(streamFile());

    store.trim("a", cut);
    long given = await(store.compact("a"));

    long after = Files.size(streamFile());
    assertThat(given).isEqualTo(before - after);
    assertThat(after).isLessThan(before / 3);
    assertThat(readFrom(store, "a", cut)).isEqualTo(expected(150, 200));
    assertThatThrownBy(() -> store.read("a", ends.get(10), 10))
        .isInstanceOf(PositionGoneException.class);
    assertThat(store.producers("a"))
        .extracting(ProducerState::producerId)
        .containsExactly(PRODUCER);
    assertThat(store.meta("a").lastStreamSeq()).isEqualTo("seq-199");

    // Appends after the compaction go to the new file, and everything survives a reopen.
    long tail = await(store.append("a", List.of(message(200)), null, false));
    store.close();
    store = FileLogStore.open(dir);
    StreamMeta meta = store.meta("a");
    assertThat(meta.startPosition()).isEqualTo(cut);
    assertThat(meta.tailPosition()).isEqualTo(tail);
    assertThat(meta.lastStreamSeq()).isEqualTo("seq-199");
    assertThat(readFrom(store, "a", cut)).isEqualTo(expected(150, 201));
    assertThat(store.producers("a"))
        .singleElement()
        .satisfies(p -> assertThat(p.lastSeq()).isEqualTo(7));
  }

  @Test
  void aSecondCompactionKeepsWhatTheFirstOneCarried() throws Exception {
    store = FileLogStore.open(dir);
    List<Long> ends = fill("a");
    store.trim("a", ends.get(99));
    await(store.compact("a"));
    store.trim("a", ends.get(179));
    await(store.compact("a"));
    store.close();
    store = FileLogStore.open(dir);

    assertThat(store.meta("a").startPosition()).isEqualTo(ends.get(179));
    assertThat(readFrom(store, "a", ends.get(179))).isEqualTo(expected(180, 200));
    assertThat(store.producers("a"))
        .extracting(ProducerState::producerId)
        .containsExactly(PRODUCER);
  }

  @Test
  void aTrimThatDropsMoreThanItKeepsCompactsByItself() throws Exception {
    CountDownLatch renamed = new CountDownLatch(1);
    store =
        FileLogStore.open(
            dir,
            step -> {
              if (step.equals(LogCompaction.Hook.RENAMED)) renamed.countDown();
            },
            1);
    List<Long> ends = fill("a");
    long before = Files.size(streamFile());

    store.trim("a", ends.get(20)); // drops less than it keeps: no compaction
    store.trim("a", ends.get(120));

    assertThat(renamed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.size(streamFile())).isLessThan(before / 2);
    assertThat(readFrom(store, "a", ends.get(120))).isEqualTo(expected(121, 200));
  }

  @Test
  void appendsGoOnWhileTheCopyIsInProgressAndAreKeptAfterTheSwitch() throws Exception {
    CountDownLatch copying = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    store =
        FileLogStore.open(
            dir,
            step -> {
              if (!step.equals(LogCompaction.Hook.COPYING)) return;
              copying.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            Long.MAX_VALUE);
    List<Long> ends = fill("a");
    await(store.create(meta("b"), List.of()));
    long cut = ends.get(149);
    store.trim("a", cut);
    CompletableFuture<Long> compaction = store.compact("a");
    assertThat(copying.await(10, TimeUnit.SECONDS)).isTrue();

    // The compactor is held in its copy: appends to both streams are acknowledged meanwhile, one
    // of them more than the copy catches up with before it hands over.
    await(store.append("a", List.of(message(200)), null, false));
    List<byte[]> large = new ArrayList<>();
    for (int i = 201; large.size() * 100_000L <= LogCompaction.CATCH_UP_BYTES; i++) {
      large.add(largeMessage(i));
    }
    await(store.append("a", large, null, false));
    await(store.append("a", List.of(message(300)), null, false));
    await(store.append("b", List.of(message(0)), null, false));
    assertThat(compaction).isNotDone();
    release.countDown();
    await(compaction);

    List<String> kept = expected(150, 201);
    for (byte[] m : large) kept.add(new String(m, StandardCharsets.UTF_8));
    kept.add(new String(message(300), StandardCharsets.UTF_8));
    assertThat(readFrom(store, "a", cut)).isEqualTo(kept);
    store.close();
    store = FileLogStore.open(dir);
    assertThat(store.meta("a").startPosition()).isEqualTo(cut);
    assertThat(readFrom(store, "a", cut)).isEqualTo(kept);
    assertThat(readFrom(store, "b", 0)).hasSize(1);
  }

  private static byte[] largeMessage(int i) {
    return bytes(String.format("{\"n\":%05d,\"pad\":\"%s\"}", i, "y".repeat(100_000)));
  }

  @Test
  void readersDuringCompactionReadTheRightBytes() throws Exception {
    store = FileLogStore.open(dir);
    List<Long> ends = fill("a");
    long cut = ends.get(99);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      Thread reader =
          new Thread(
              () -> {
                try {
                  while (!stop.get()) {
                    assertThat(readFrom(store, "a", ends.get(149))).isEqualTo(expected(150, 200));
                  }
                } catch (Throwable e) {
                  failed.compareAndSet(null, e);
                }
              });
      reader.start();
      readers.add(reader);
    }
    store.trim("a", cut);
    for (int i = 0; i < 5; i++) await(store.compact("a"));
    stop.set(true);
    for (Thread reader : readers) reader.join(10_000);
    assertThat(failed.get()).isNull();
    assertThat(readFrom(store, "a", cut)).isEqualTo(expected(100, 200));
  }

  @Test
  void aCrashBeforeTheRenameLeavesTheOldFileWhole() throws Exception {
    store =
        FileLogStore.open(
            dir,
            step -> {
              if (step.equals(LogCompaction.Hook.COPIED)) throw new IllegalStateException("crash");
            },
            Long.MAX_VALUE);
    List<Long> ends = fill("a");
    Path file = streamFile();
    long before = Files.size(file);
    store.trim("a", ends.get(149));
    assertThatThrownBy(() -> await(store.compact("a"))).hasRootCauseMessage("crash");
    // The crash left its copy behind, as a killed process would.
    Path stray = file.resolveSibling(file.getFileName() + LogCompaction.SUFFIX);
    assertThat(Files.exists(stray)).isTrue();
    store.close();

    store = FileLogStore.open(dir);
    assertThat(Files.exists(stray)).isFalse();
    assertThat(Files.size(streamFile())).isEqualTo(before);
    assertThat(store.meta("a").startPosition()).isZero();
    assertThat(readFrom(store, "a", 0)).isEqualTo(expected(0, 200));
  }
}
