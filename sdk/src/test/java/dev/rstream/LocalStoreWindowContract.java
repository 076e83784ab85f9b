package dev.rstream;

import static dev.rstream.LocalStoreContractTest.OTHER;
import static dev.rstream.LocalStoreContractTest.URL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.LocalStore.StoredWindow;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The store contract on what a client reads back: committed windows, the live window and its
 * batches, the keyframe index, the producer, and {@link LocalStore#clear}. Run for every store as
 * {@link LocalStoreContractTest.Windows}.
 */
public abstract class LocalStoreWindowContract {
  private final LocalStoreContractTest stores;

  LocalStoreWindowContract(LocalStoreContractTest stores) {
    this.stores = stores;
  }

  private static Keyframe keyframe(String offset, int second) {
    return Keyframe.of(Offset.of(offset), Instant.ofEpochSecond(1_700_000_000L + second));
  }

  private static Change change(String key, String value, String offset, int second) {
    return Change.update("item", key, value)
        .newBuilder()
        .oldValue("{\"n\":0}")
        .txid("tx-" + key)
        .timestamp(Instant.ofEpochSecond(1_700_000_000L + second, 123_000_000))
        .offset(Offset.of(offset))
        .build();
  }

  private static StoredWindow committed() {
    return StoredWindow.of(
        keyframe("0_10", 1),
        keyframe("0_30", 5),
        Offset.of("0_12"),
        Arrays.asList(
            Change.insert("item", "a", "{\"n\":1}").newBuilder().offset(Offset.of("0_12")).build()),
        Arrays.asList(
            change("a", "{\"n\":2}", "0_20", 2),
            Change.delete("item", "a").newBuilder().offset(Offset.of("0_25")).build()));
  }

  /** The live window that starts at the keyframe at 0_30, with no change after its base 0_32. */
  private static StoredWindow emptyLiveWindow() {
    return StoredWindow.of(
        keyframe("0_30", 5),
        null,
        Offset.of("0_32"),
        Collections.emptyList(),
        Collections.emptyList());
  }

  /** {@link LocalStore#appendLive} to {@link LocalStoreContractTest#URL}, offsets as text. */
  private static boolean appendLive(
      LocalStore store, String window, String from, List<Change> batch, String to) {
    return store.appendLive(URL, window, Offset.of(from), batch, Offset.of(to));
  }

  @Test
  public void committedWindowRoundTripsWithOffsetsAndTimestamps() throws Exception {
    LocalStore store = stores.open();
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

  @Test
  public void keyframeIndexAndItsCompanionOffsetAreReplacedTogether() throws Exception {
    LocalStore store = stores.open();
    assertThat(store.keyframes(URL)).isEmpty();
    assertThat(store.keyframesNext(URL)).isEqualTo(Offset.START);
    store.putKeyframes(
        URL, Arrays.asList(keyframe("-1", 0), keyframe("0_10", 1)), Offset.of("i_2"));
    store.putKeyframes(
        URL,
        Arrays.asList(keyframe("-1", 0), keyframe("0_10", 1), keyframe("0_30", 5)),
        Offset.of("i_3"));
    assertThat(store.keyframes(URL))
        .containsExactly(keyframe("-1", 0), keyframe("0_10", 1), keyframe("0_30", 5));
    assertThat(store.keyframesNext(URL)).isEqualTo(Offset.of("i_3"));
    // Not an extension (the stream was rebuilt): replaced, not appended to.
    store.putKeyframes(URL, Arrays.asList(keyframe("1_05", 9)), Offset.of("j_1"));
    assertThat(store.keyframes(URL)).containsExactly(keyframe("1_05", 9));
  }

  @Test
  public void liveBatchesAppendOnlyWhereTheStoredWindowEnds() throws Exception {
    LocalStore store = stores.open();
    assertThat(appendLive(store, "0_30", "0_32", Collections.emptyList(), "0_32")).isFalse();
    store.putLiveWindow(URL, emptyLiveWindow());
    Change first = change("a", "{\"n\":3}", "0_40", 6);
    Change second = change("b", "{\"n\":4}", "0_50", 7);
    assertThat(appendLive(store, "0_30", "0_32", Arrays.asList(first), "0_40")).isTrue();
    // A second writer at the old position, or for another window, writes nothing.
    assertThat(appendLive(store, "0_30", "0_32", Arrays.asList(first), "0_40")).isFalse();
    assertThat(appendLive(store, "0_10", "0_40", Arrays.asList(second), "0_50")).isFalse();
    assertThat(appendLive(store, "0_30", "0_40", Arrays.asList(second), "0_50")).isTrue();

    StoredWindow live = store.liveWindow(URL);
    assertThat(live).isNotNull();
    assertThat(live.id()).isEqualTo("0_30");
    assertThat(live.end()).isNull();
    assertThat(live.changes()).containsExactly(first, second);
  }

  @Test
  public void aNewLiveWindowReplacesTheOld() throws Exception {
    LocalStore store = stores.open();
    store.putLiveWindow(
        URL,
        StoredWindow.of(
            keyframe("0_30", 5),
            null,
            Offset.of("0_32"),
            Collections.emptyList(),
            Arrays.asList(change("a", "1", "0_40", 6))));
    store.putLiveWindow(
        URL,
        StoredWindow.of(
            keyframe("0_50", 8),
            null,
            Offset.of("0_52"),
            Arrays.asList(Change.insert("item", "a", "1")),
            Collections.emptyList()));
    StoredWindow live = store.liveWindow(URL);
    assertThat(live.id()).isEqualTo("0_50");
    assertThat(live.changes()).isEmpty();
    assertThat(live.keyframe()).containsExactly(Change.insert("item", "a", "1"));
  }

  @Test
  public void clearDropsOneStreamOnly() throws Exception {
    LocalStore store = stores.open();
    for (String url : Arrays.asList(URL, OTHER)) {
      store.putWindow(url, committed());
      store.putKeyframes(url, Arrays.asList(keyframe("0_10", 1)), Offset.of("i_1"));
      store.putLiveWindow(url, emptyLiveWindow());
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

  @Test
  public void producerIdAndEpochAreKeptPerStreamAndCleared() throws Exception {
    LocalStore store = stores.open();
    assertThat(store.producer(URL)).isNull();
    store.putProducer(URL, LocalStore.StoredProducer.of("app-1", 0));
    store.putProducer(URL, LocalStore.StoredProducer.of("app-1", 3));
    store.putProducer(OTHER, LocalStore.StoredProducer.of("app-2", 1));
    assertThat(store.producer(URL)).isEqualTo(LocalStore.StoredProducer.of("app-1", 3));
    store.clear(URL);
    assertThat(store.producer(URL)).isNull();
    assertThat(store.producer(OTHER)).isEqualTo(LocalStore.StoredProducer.of("app-2", 1));
  }

  @Test
  public void aCommittedWindowIsNeverReplaced() throws Exception {
    LocalStore store = stores.open();
    store.putWindow(URL, committed());
    StoredWindow other =
        StoredWindow.of(
            keyframe("0_10", 1),
            keyframe("0_30", 5),
            Offset.of("0_12"),
            Collections.emptyList(),
            Collections.emptyList());
    store.putWindow(URL, other);
    assertThat(store.window(URL, "0_10").changes()).hasSize(2);
  }
}
