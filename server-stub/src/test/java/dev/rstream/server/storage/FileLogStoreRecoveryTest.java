package dev.rstream.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * How {@link FileLogStore} opens files a crash or the disk left damaged: a torn or garbage tail is
 * cut back to the last whole record; a damaged record before the tail fences the stream there and
 * nothing is cut; a file whose creation was torn is discarded.
 */
final class FileLogStoreRecoveryTest extends FileLogStoreFixture {
  @Test
  void tornTailAtEveryByteRecoversEarlierRecordsAndAcceptsAppends() throws Exception {
    Path file = createOnlyStream("a", "first");
    append("a", "second", "unit");
    long before = Files.size(file);
    append("a", "torn-away");
    byte[] full = Files.readAllBytes(file);
    store.close();

    for (long cut = before; cut < full.length; cut++) {
      Files.write(file, Arrays.copyOf(full, (int) cut));
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
    Path file = createOnlyStream("a", "x");
    append("a", "y");
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
    Path file = createOnlyStream("a", "x");
    long size = Files.size(file);
    store.close();
    Files.write(file, new byte[4096], StandardOpenOption.APPEND);
    store = open(dir);
    assertThat(readAll(store, "a")).containsExactly("x");
    assertThat(Files.size(file)).isEqualTo(size);
  }

  @Test
  void flippedByteInTheLastRecordFencesItWithoutCuttingIt() throws Exception {
    Path file = createOnlyStream("a", "x");
    append("a", "y");
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
    Path file = createOnlyStream("a", "x");
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
    Path file = createOnlyStream("a", "x");
    store.close();
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length - 1));

    store = open(dir);
    assertThat(store.streams()).isEmpty();
    assertThat(Files.exists(file)).isFalse();
    await(store.create(meta("a"), messages("again")));
    assertThat(readAll(store, "a")).containsExactly("again");
  }
}
