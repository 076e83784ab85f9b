package dev.rstream.server.storage;

import static dev.rstream.server.storage.LogStoreFixture.await;
import static dev.rstream.server.storage.LogStoreFixture.messages;
import static dev.rstream.server.storage.LogStoreFixture.meta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One flipped bit in a stream file, in its creation record, a record in the middle or its last
 * record: recovery cuts nothing and deletes nothing, serves the stream up to the damage, fences the
 * rest (no offset is handed out twice), and the operator's salvage brings back every acknowledged
 * message under a new incarnation.
 */
final class FileLogStoreDamageTest {
  private static final int UNITS = 6;

  @TempDir Path dir;
  private final List<Long> recordStarts = new ArrayList<>();
  private final List<List<String>> recordMessages = new ArrayList<>();
  private final List<String> all = new ArrayList<>();
  private byte[] original;
  private long incarnation;
  private final ProducerState producer = new ProducerState("p", 0, 3, 0, false);

  @BeforeEach
  void writeAStream() throws Exception {
    Path data = dir.resolve("original");
    try (LogStore store = FileLogStore.open(data)) {
      recordStarts.add(0L);
      await(store.create(meta("a"), messages("c0", "c1")));
      record("c0", "c1");
      for (int i = 1; i < UNITS; i++) {
        recordStarts.add(Files.size(streamFile(data)));
        ProducerState p = i == 3 ? producer : null;
        await(store.append("a", messages("u" + i + "a", "u" + i + "b"), p, false));
        record("u" + i + "a", "u" + i + "b");
      }
      incarnation = store.meta("a").incarnation();
    }
    original = Files.readAllBytes(streamFile(data));
  }

  @Test
  void flippedBitInTheCreationRecordKeepsTheStreamFencedAndSalvageable() throws Exception {
    int end = (int) (long) recordStarts.get(1);
    // Length, checksum, type, incarnation, the byte 24, a path byte, the last message.
    for (int at : new int[] {3, 5, 8, 10, 24, end - 8, end - 1}) {
      checkFlip(at, 0);
    }
    checkFlip(0, 6); // a length field far past the end of the file
  }

  @Test
  void flippedBitInAMiddleRecordCutsNothingAndSkipsNothing() throws Exception {
    int start = (int) (long) recordStarts.get(3);
    int end = (int) (long) recordStarts.get(4);
    for (int at = start; at < end; at += 3) checkFlip(at, at % 8);
    checkFlip(start, 7); // a negative length
  }

  @Test
  void flippedBitInTheLastRecordIsNotMistakenForATornTail() throws Exception {
    int start = (int) (long) recordStarts.get(UNITS - 1);
    for (int at = start; at < original.length; at += 2) checkFlip(at, (at + 3) % 8);
    checkFlip(start, 0);
    checkFlip(original.length - 1, 7);
  }

  @Test
  void flippedBitsInTwoRecordsFenceAtTheFirstAndSalvageRepairsBoth() throws Exception {
    byte[] bytes = original.clone();
    bytes[(int) (recordStarts.get(2) + 14)] ^= 1;
    bytes[(int) (recordStarts.get(4) + 20)] ^= 4;
    Path data = damagedCopy(bytes, "two");
    try (LogStore store = FileLogStore.open(data)) {
      assertThat(readUntilDamage(store)).isEqualTo(messagesBefore(2));
    }
    try (LogStore store = FileLogStore.open(data, true)) {
      assertThat(LogStoreFixture.readAll(store, "a")).isEqualTo(all);
    }
  }

  @Test
  void damageBeyondRepairIsFencedAndSalvageKeepsEveryIntactRecord() throws Exception {
    byte[] bytes = original.clone();
    int start = (int) (long) recordStarts.get(2);
    for (int i = 9; i < 14; i++) bytes[start + i] ^= (byte) 0xff; // five bytes: no one-bit repair
    Path data = damagedCopy(bytes, "wide");
    try (LogStore store = FileLogStore.open(data)) {
      assertThat(readUntilDamage(store)).isEqualTo(messagesBefore(2));
      assertThat(Files.readAllBytes(streamFile(data))).isEqualTo(bytes);
    }
    try (LogStore store = FileLogStore.open(data, true)) {
      List<String> expected = new ArrayList<>(all);
      expected.removeAll(recordMessages.get(2));
      assertThat(LogStoreFixture.readAll(store, "a")).isEqualTo(expected);
      assertThat(store.meta("a").incarnation()).isNotEqualTo(incarnation);
    }
  }

  @Test
  void creationRecordBeyondRepairLeavesTheFileAndSalvageMovesItAside() throws Exception {
    byte[] bytes = original.clone();
    for (int i = 9; i < 20; i++) bytes[i] ^= (byte) 0xff;
    Path data = damagedCopy(bytes, "creation");
    Path file = streamFile(data);
    try (LogStore store = FileLogStore.open(data)) {
      assertThat(store.streams()).isEmpty();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
    try (LogStore store = FileLogStore.open(data, true)) {
      assertThat(store.streams()).isEmpty();
      await(store.create(meta("b"), messages("new")));
    }
    assertThat(Files.readAllBytes(data.resolve("damaged").resolve(file.getFileName())))
        .isEqualTo(bytes);
    try (LogStore store = FileLogStore.open(data)) {
      assertThat(LogStoreFixture.readAll(store, "b")).containsExactly("new");
    }
  }

  /** Flips bit {@code bit} of byte {@code at}, then checks recovery, fencing and salvage. */
  private void checkFlip(int at, int bit) throws Exception {
    byte[] bytes = original.clone();
    bytes[at] ^= (byte) (1 << bit);
    Path data = damagedCopy(bytes, "flip-" + at + "-" + bit);
    Path file = streamFile(data);
    int damaged = recordAt(at);
    String what = "bit " + bit + " of byte " + at + " (record " + damaged + ")";

    for (int open = 0; open < 2; open++) {
      try (LogStore store = FileLogStore.open(data)) {
        StreamMeta meta = store.meta("a");
        assertThat(meta).as(what).isNotNull();
        assertThat(readUntilDamage(store)).as(what).isEqualTo(messagesBefore(damaged));
        assertThat(meta.tailPosition()).as(what).isEqualTo(bytesBefore(damaged));
        CompletableFuture<Long> append = store.append("a", messages("late"), null, false);
        assertThatThrownBy(() -> append.get(5, TimeUnit.SECONDS))
            .as(what)
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(StreamDamagedException.class)
            .hasMessageContaining(FileLogStore.SALVAGE_FLAG);
        assertThatThrownBy(() -> store.create(meta("a"), messages("again")))
            .as(what)
            .isInstanceOf(StreamExistsException.class);
      }
      assertThat(Files.readAllBytes(file)).as(what + ": nothing cut").isEqualTo(bytes);
    }

    try (LogStore store = FileLogStore.open(data, true)) {
      assertThat(LogStoreFixture.readAll(store, "a")).as(what).isEqualTo(all);
      assertThat(store.meta("a").incarnation()).as(what).isNotEqualTo(incarnation);
      assertThat(store.producers("a")).as(what).containsExactly(producer);
      await(store.append("a", messages("after"), null, false));
    }
    assertThat(Files.readAllBytes(data.resolve("damaged").resolve(file.getFileName())))
        .as(what + ": original kept")
        .isEqualTo(bytes);
    try (LogStore store = FileLogStore.open(data)) {
      List<String> expected = new ArrayList<>(all);
      expected.add("after");
      assertThat(LogStoreFixture.readAll(store, "a")).as(what).isEqualTo(expected);
    }
  }

  /** Reads from 0 until the store refuses with the damage; what it served before. */
  private static List<String> readUntilDamage(LogStore store) throws Exception {
    List<String> read = new ArrayList<>();
    long position = 0;
    while (true) {
      ReadResult page;
      try {
        page = store.read("a", position, 7);
      } catch (UncheckedIOException e) {
        assertThat(e).hasCauseInstanceOf(StreamDamagedException.class);
        assertThat(e.getCause()).hasMessageContaining("stream a").hasMessageContaining("byte");
        return read;
      }
      assertThat(page.messages()).isNotEmpty();
      read.addAll(LogStoreFixture.strings(page));
      position = page.nextPosition();
    }
  }

  private void record(String... messages) {
    recordMessages.add(List.of(messages));
    all.addAll(List.of(messages));
  }

  private int recordAt(int at) {
    int r = 0;
    while (r + 1 < recordStarts.size() && recordStarts.get(r + 1) <= at) r++;
    return r;
  }

  private List<String> messagesBefore(int record) {
    List<String> before = new ArrayList<>();
    for (int r = 0; r < record; r++) before.addAll(recordMessages.get(r));
    return before;
  }

  private long bytesBefore(int record) {
    long bytes = 0;
    for (String m : messagesBefore(record)) bytes += m.length();
    return bytes;
  }

  private Path damagedCopy(byte[] bytes, String name) throws Exception {
    Path data = dir.resolve(name);
    Files.createDirectories(data.resolve("streams"));
    Files.write(
        data.resolve("streams").resolve(streamFile(dir.resolve("original")).getFileName()), bytes);
    return data;
  }

  private static Path streamFile(Path data) throws Exception {
    try (Stream<Path> files = Files.list(data.resolve("streams"))) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".log"))
          .findFirst()
          .orElseThrow();
    }
  }
}
