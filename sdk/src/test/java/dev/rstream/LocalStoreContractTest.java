package dev.rstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.LocalStore.StoredWindow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The suite every {@link LocalStore} passes: they must behave the same. A store extends it with
 * {@link #newStore()}; a store in another module gets it from the sdk's test-jar ({@code
 * rstream-sdk}, type {@code test-jar}, test scope).
 */
public abstract class LocalStoreContractTest {
  private static final String URL = "http://host/v1/stream/s";
  private static final String OTHER = "http://host/v1/stream/other";

  private final List<AutoCloseable> opened = new ArrayList<>();

  /**
   * A new, empty store, on each call. One that is {@link AutoCloseable} is closed after the test.
   */
  protected abstract LocalStore newStore() throws Exception;

  private LocalStore open() throws Exception {
    LocalStore store = newStore();
    if (store instanceof AutoCloseable) opened.add((AutoCloseable) store);
    return store;
  }

  @AfterEach
  public void closeStores() throws Exception {
    for (AutoCloseable c : opened) c.close();
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

  @Test
  public void committedWindowRoundTripsWithOffsetsAndTimestamps() throws Exception {
    LocalStore store = open();
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
    LocalStore store = open();
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
    LocalStore store = open();
    assertThat(
            store.appendLive(
                URL, "0_30", Offset.of("0_32"), Collections.emptyList(), Offset.of("0_32")))
        .isFalse();
    store.putLiveWindow(
        URL,
        StoredWindow.of(
            keyframe("0_30", 5),
            null,
            Offset.of("0_32"),
            Collections.emptyList(),
            Collections.emptyList()));
    Change first = change("a", "{\"n\":3}", "0_40", 6);
    Change second = change("b", "{\"n\":4}", "0_50", 7);
    assertThat(
            store.appendLive(
                URL, "0_30", Offset.of("0_32"), Arrays.asList(first), Offset.of("0_40")))
        .isTrue();
    // A second writer at the old position, or for another window, writes nothing.
    assertThat(
            store.appendLive(
                URL, "0_30", Offset.of("0_32"), Arrays.asList(first), Offset.of("0_40")))
        .isFalse();
    assertThat(
            store.appendLive(
                URL, "0_10", Offset.of("0_40"), Arrays.asList(second), Offset.of("0_50")))
        .isFalse();
    assertThat(
            store.appendLive(
                URL, "0_30", Offset.of("0_40"), Arrays.asList(second), Offset.of("0_50")))
        .isTrue();

    StoredWindow live = store.liveWindow(URL);
    assertThat(live).isNotNull();
    assertThat(live.id()).isEqualTo("0_30");
    assertThat(live.end()).isNull();
    assertThat(live.changes()).containsExactly(first, second);
  }

  @Test
  public void aNewLiveWindowReplacesTheOld() throws Exception {
    LocalStore store = open();
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
    LocalStore store = open();
    for (String url : Arrays.asList(URL, OTHER)) {
      store.putWindow(url, committed());
      store.putKeyframes(url, Arrays.asList(keyframe("0_10", 1)), Offset.of("i_1"));
      store.putLiveWindow(
          url,
          StoredWindow.of(
              keyframe("0_30", 5),
              null,
              Offset.of("0_32"),
              Collections.emptyList(),
              Collections.emptyList()));
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
    LocalStore store = open();
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
    LocalStore store = open();
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
