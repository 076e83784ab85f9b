package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.internal.window.GeneratedLog;
import java.io.File;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Committed windows past the store's budget are evicted, and read again when asked for. */
class StoreEvictionTest {
  @TempDir File dir;
  private final GeneratedLog log = new GeneratedLog(23, 10, 8);
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) c.close();
  }

  private RStreamClient client(FakeStateStream source, LocalStore store) {
    RStreamClient client =
        RStreamClient.builder()
            .source(source)
            .store(store)
            .liveLinger(0, SECONDS)
            .clock(Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC))
            .build();
    open.add(client);
    return client;
  }

  /** A time strictly inside the {@code n}th window that lasts (some keyframes share a time). */
  private Instant inside(int n) {
    int k = -1;
    for (int seen = -1; seen < n; ) {
      k++;
      if (log.keyframes.get(k).timestamp().isBefore(log.keyframes.get(k + 1).timestamp())) seen++;
    }
    Instant start = log.keyframes.get(k).timestamp();
    Instant end = log.keyframes.get(k + 1).timestamp();
    return start.plusMillis((end.toEpochMilli() - start.toEpochMilli()) / 2);
  }

  private static Map<String, Map<String, String>> asMap(StateView view) {
    Map<String, Map<String, String>> result = new LinkedHashMap<>();
    for (String type : view.types()) result.put(type, new LinkedHashMap<>(view.entities(type)));
    return result;
  }

  @Test
  void evictedWindowIsReadAgainAndTheRecentOnesComeFromTheStore() throws Exception {
    File file = new File(dir, "budget.db");
    SqliteStore probe = SqliteStore.builder().file(new File(dir, "probe.db")).build();
    open.add(probe);
    FakeStateStream first = new FakeStateStream(log);
    RStreamClient measuring = client(first, probe);
    for (int n = 0; n < 4; n++) measuring.window(inside(n)).timeout(5, SECONDS).blockingLast();
    long fourWindows = probe.committedBytes();

    // Room for about three of the four windows: the least recently used must go.
    SqliteStore store =
        SqliteStore.builder().file(file).maxWindowBytes(fourWindows * 3 / 4).build();
    open.add(store);
    RStreamClient reader = client(new FakeStateStream(log), store);
    for (int n = 0; n < 4; n++) reader.window(inside(n)).timeout(5, SECONDS).blockingLast();
    assertThat(store.committedBytes()).isLessThanOrEqualTo(fourWindows * 3 / 4);

    FakeStateStream later = new FakeStateStream(log);
    RStreamClient restarted = client(later, store);
    StateView recent = restarted.window(inside(3)).timeout(5, SECONDS).blockingLast();
    assertThat(recent.fromStore()).isTrue();
    assertThat(asMap(recent)).isEqualTo(log.replayTo(inside(3)));
    assertThat(later.reads).isEmpty();

    StateView evicted = restarted.window(inside(0)).timeout(5, SECONDS).blockingLast();
    assertThat(evicted.fromStore()).as("evicted, so read again").isFalse();
    assertThat(asMap(evicted)).isEqualTo(log.replayTo(inside(0)));
    assertThat(later.reads.poll(5, SECONDS)).isNotNull();
  }
}
