package dev.rstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.LocalStore.StoredWindow;
import java.io.File;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One suite run over every {@link LocalStore}: they must behave the same. */
class LocalStoreContractTest {
  private static final String URL = "http://host/v1/stream/s";
  private static final String OTHER = "http://host/v1/stream/other";

  @TempDir static File dir;
  private static int files;
  private final List<AutoCloseable> opened = new ArrayList<>();

  static Stream<Arguments> stores() {
    Supplier<LocalStore> memory = LocalStore::inMemory;
    Supplier<LocalStore> sqlite = () -> SqliteStore.open(new File(dir, "contract-" + (files++) + ".db"));
    return Stream.of(Arguments.of("memory", memory), Arguments.of("sqlite", sqlite));
  }

  private LocalStore open(Supplier<LocalStore> factory) {
    LocalStore store = factory.get();
    if (store instanceof AutoCloseable) opened.add((AutoCloseable) store);
    return store;
  }

  @AfterEach
  void closeStores() throws Exception {
    for (AutoCloseable c : opened) c.close();
  }

  static Keyframe keyframe(String offset, int second) {
    return Keyframe.of(Offset.of(offset), Instant.ofEpochSecond(1_700_000_000L + second));
  }

  static Change change(String key, String value, String offset, int second) {
    return Change.update("item", key, value)
        .newBuilder()
        .oldValue("{\"n\":0}")
        .txid("tx-" + key)
        .timestamp(Instant.ofEpochSecond(1_700_000_000L + second, 123_000_000))
        .offset(Offset.of(offset))
        .build();
  }

  static StoredWindow committed() {
    return StoredWindow.of(
        keyframe("0_10", 1),
        keyframe("0_30", 5),
        Offset.of("0_12"),
        Arrays.asList(Change.insert("item", "a", "{\"n\":1}").newBuilder().offset(Offset.of("0_12")).build()),
        Arrays.asList(change("a", "{\"n\":2}", "0_20", 2), Change.delete("item", "a").newBuilder().offset(Offset.of("0_25")).build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void committedWindowRoundTripsWithOffsetsAndTimestamps(String name, Supplier<LocalStore> factory) {
    LocalStore store = open(factory);
    StoredWindow window = committed();
    store.putWindow(URL, window);
    StoredWindow read = store.window(URL, "0_10");
    assertThat(read).isNotNull();
    assertThat(read.start()).isEqualTo(window.start());
    assertThat(read.end()).isEqualTo(window.end());
    assertThat(read.baseOffset()).isEqualTo(window.baseOffset());
    assertThat(read.keyframe()).isEqualTo(window.keyframe());
    assertThat(read.changes()).isEqualTo(window.changes());
    assertThat(store.window(URL, "0_30")).isNull();
    assertThat(store.window(OTHER, "0_10")).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void keyframeIndexAndItsCompanionOffsetAreReplacedTogether(String name, Supplier<LocalStore> factory) {
    LocalStore store = open(factory);
    assertThat(store.keyframes(URL)).isEmpty();
    assertThat(store.keyframesNext(URL)).isEqualTo(Offset.START);
    store.putKeyframes(URL, Arrays.asList(keyframe("-1", 0), keyframe("0_10", 1)), Offset.of("i_2"));
    store.putKeyframes(URL, Arrays.asList(keyframe("-1", 0), keyframe("0_10", 1), keyframe("0_30", 5)), Offset.of("i_3"));
    assertThat(store.keyframes(URL)).containsExactly(keyframe("-1", 0), keyframe("0_10", 1), keyframe("0_30", 5));
    assertThat(store.keyframesNext(URL)).isEqualTo(Offset.of("i_3"));
    // Not an extension (the stream was rebuilt): replaced, not appended to.
    store.putKeyframes(URL, Arrays.asList(keyframe("1_05", 9)), Offset.of("j_1"));
    assertThat(store.keyframes(URL)).containsExactly(keyframe("1_05", 9));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void liveBatchesAppendOnlyWhereTheStoredWindowEnds(String name, Supplier<LocalStore> factory) {
    LocalStore store = open(factory);
    assertThat(store.appendLive(URL, "0_30", Offset.of("0_32"), Collections.emptyList(), Offset.of("0_32"))).isFalse();
    store.putLiveWindow(
        URL, StoredWindow.of(keyframe("0_30", 5), null, Offset.of("0_32"), Collections.emptyList(), Collections.emptyList()));
    Change first = change("a", "{\"n\":3}", "0_40", 6);
    Change second = change("b", "{\"n\":4}", "0_50", 7);
    assertThat(store.appendLive(URL, "0_30", Offset.of("0_32"), Arrays.asList(first), Offset.of("0_40"))).isTrue();
    // A second writer at the old position, or for another window, writes nothing.
    assertThat(store.appendLive(URL, "0_30", Offset.of("0_32"), Arrays.asList(first), Offset.of("0_40"))).isFalse();
    assertThat(store.appendLive(URL, "0_10", Offset.of("0_40"), Arrays.asList(second), Offset.of("0_50"))).isFalse();
    assertThat(store.appendLive(URL, "0_30", Offset.of("0_40"), Arrays.asList(second), Offset.of("0_50"))).isTrue();

    StoredWindow live = store.liveWindow(URL);
    assertThat(live).isNotNull();
    assertThat(live.id()).isEqualTo("0_30");
    assertThat(live.end()).isNull();
    assertThat(live.changes()).containsExactly(first, second);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void aNewLiveWindowReplacesTheOld(String name, Supplier<LocalStore> factory) {
    LocalStore store = open(factory);
    store.putLiveWindow(URL, StoredWindow.of(keyframe("0_30", 5), null, Offset.of("0_32"), Collections.emptyList(),
        Arrays.asList(change("a", "1", "0_40", 6))));
    store.putLiveWindow(URL, StoredWindow.of(keyframe("0_50", 8), null, Offset.of("0_52"),
        Arrays.asList(Change.insert("item", "a", "1")), Collections.emptyList()));
    StoredWindow live = store.liveWindow(URL);
    assertThat(live.id()).isEqualTo("0_50");
    assertThat(live.changes()).isEmpty();
    assertThat(live.keyframe()).containsExactly(Change.insert("item", "a", "1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void clearDropsOneStreamOnly(String name, Supplier<LocalStore> factory) {
    LocalStore store = open(factory);
    for (String url : Arrays.asList(URL, OTHER)) {
      store.putWindow(url, committed());
      store.putKeyframes(url, Arrays.asList(keyframe("0_10", 1)), Offset.of("i_1"));
      store.putLiveWindow(url, StoredWindow.of(keyframe("0_30", 5), null, Offset.of("0_32"), Collections.emptyList(), Collections.emptyList()));
    }
    store.clear(URL);
    assertThat(store.window(URL, "0_10")).isNull();
    assertThat(store.liveWindow(URL)).isNull();
    assertThat(store.keyframes(URL)).isEmpty();
    assertThat(store.keyframesNext(URL)).isEqualTo(Offset.START);
    assertThat(store.window(OTHER, "0_10")).isNotNull();
    assertThat(store.liveWindow(OTHER)).isNotNull();
    assertThat(store.keyframes(OTHER)).hasSize(1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void producerIdAndEpochAreKeptPerStreamAndCleared(String name, Supplier<LocalStore> factory) {
    LocalStore store = open(factory);
    assertThat(store.producer(URL)).isNull();
    store.putProducer(URL, LocalStore.StoredProducer.of("app-1", 0));
    store.putProducer(URL, LocalStore.StoredProducer.of("app-1", 3));
    store.putProducer(OTHER, LocalStore.StoredProducer.of("app-2", 1));
    assertThat(store.producer(URL)).isEqualTo(LocalStore.StoredProducer.of("app-1", 3));
    store.clear(URL);
    assertThat(store.producer(URL)).isNull();
    assertThat(store.producer(OTHER)).isEqualTo(LocalStore.StoredProducer.of("app-2", 1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void aCommittedWindowIsNeverReplaced(String name, Supplier<LocalStore> factory) {
    LocalStore store = open(factory);
    store.putWindow(URL, committed());
    StoredWindow other = StoredWindow.of(keyframe("0_10", 1), keyframe("0_30", 5), Offset.of("0_12"),
        Collections.emptyList(), Collections.emptyList());
    store.putWindow(URL, other);
    assertThat(store.window(URL, "0_10").changes()).hasSize(2);
  }
}
