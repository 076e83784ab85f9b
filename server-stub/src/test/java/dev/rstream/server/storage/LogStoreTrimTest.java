package dev.rstream.server.storage;

import static dev.rstream.server.storage.LogStoreFixture.await;
import static dev.rstream.server.storage.LogStoreFixture.messages;
import static dev.rstream.server.storage.LogStoreFixture.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link LogStore#trim}, the same on every store: what readers see before and after a trim. */
class LogStoreTrimTest {
  @TempDir Path dir;
  private LogStore store;

  private LogStore open(String kind) throws Exception {
    store = kind.equals("file") ? FileLogStore.open(dir) : new MemoryLogStore();
    return store;
  }

  @AfterEach
  void close() throws Exception {
    if (store != null) store.close();
  }

  private static StreamMeta meta(String path) {
    return new StreamMeta(path, 0, "application/json", null, null, null, 1L, 0, false, null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "file"})
  void readsBeforeTheTrimAreGoneAndTheRestIsUnchanged(String kind) throws Exception {
    LogStore store = open(kind);
    await(store.create(meta("a"), messages("a0")));
    long second = await(store.append("a", messages("b0", "b1"), null, false));
    long third = await(store.append("a", messages("c0"), null, false));

    store.trim("a", second);

    StreamMeta meta = store.meta("a");
    assertThat(meta.startPosition()).isEqualTo(second);
    assertThat(meta.tailPosition()).isEqualTo(third + 0);
    assertThatThrownBy(() -> store.read("a", 0, 100))
        .isInstanceOf(PositionGoneException.class)
        .hasMessageContaining("dropped by retention")
        .satisfies(e -> assertThat(((PositionGoneException) e).startPosition()).isEqualTo(second));
    assertThatThrownBy(() -> store.read("a", 2, 100)).isInstanceOf(PositionGoneException.class);
    ReadResult kept = store.read("a", second, 100);
    assertThat(strings(kept)).containsExactly("c0");
    assertThat(kept.nextPosition()).isEqualTo(third);
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "file"})
  void aTrimInsideAUnitOrPastTheTailIsRefusedAndChangesNothing(String kind) throws Exception {
    LogStore store = open(kind);
    await(store.create(meta("a"), messages("a0")));
    long tail = await(store.append("a", messages("b0", "b1"), null, false));

    assertThatThrownBy(() -> store.trim("a", 4))
        .isInstanceOf(InvalidPositionException.class)
        .isNotInstanceOf(PositionGoneException.class)
        .hasMessageContaining("inside an append unit");
    assertThatThrownBy(() -> store.trim("a", tail + 1))
        .isInstanceOf(InvalidPositionException.class);
    assertThatThrownBy(() -> store.trim("missing", 0)).isInstanceOf(NoSuchStreamException.class);

    assertThat(store.meta("a").startPosition()).isZero();
    assertThat(strings(store.read("a", 0, 100))).containsExactly("a0", "b0", "b1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "file"})
  void aTrimBehindTheStartDoesNothingAndAppendsGoOn(String kind) throws Exception {
    LogStore store = open(kind);
    await(store.create(meta("a"), messages("a0")));
    long second = await(store.append("a", messages("b0"), null, false));
    store.trim("a", second);
    store.trim("a", 0);
    store.trim("a", second);

    long tail = await(store.append("a", messages("c0"), null, false));

    assertThat(store.meta("a").startPosition()).isEqualTo(second);
    assertThat(strings(store.read("a", second, 100))).containsExactly("c0");
    assertThat(store.read("a", second, 100).tailPosition()).isEqualTo(tail);
    // Trimming to the tail keeps nothing, and the stream goes on from there.
    store.trim("a", tail);
    assertThat(strings(store.read("a", tail, 100))).isEmpty();
    assertThat(List.of(await(store.append("a", messages("d0"), null, false))))
        .containsExactly(tail + 2);
    assertThat(strings(store.read("a", tail, 100))).containsExactly("d0");
  }
}
