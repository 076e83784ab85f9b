package dev.rstream;

import static dev.rstream.FakeStreamClients.asMap;
import static dev.rstream.FakeStreamClients.builder;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.internal.window.GeneratedLog;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
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
    RStreamClient client = builder(source).store(store).build();
    open.add(client);
    return client;
  }

  @Test
  void evictedWindowIsReadAgainAndTheRecentOnesComeFromTheStore() throws Exception {
    File file = new File(dir, "budget.db");
    SqliteStore probe = SqliteStore.builder().file(new File(dir, "probe.db")).build();
    open.add(probe);
    FakeStateStream first = new FakeStateStream(log);
    RStreamClient measuring = client(first, probe);
    for (int n = 0; n < 4; n++) measuring.window(log.inside(n)).timeout(5, SECONDS).blockingLast();
    long fourWindows = probe.committedBytes();

    // Room for about three of the four windows: the least recently used must go.
    SqliteStore store =
        SqliteStore.builder().file(file).maxWindowBytes(fourWindows * 3 / 4).build();
    open.add(store);
    RStreamClient reader = client(new FakeStateStream(log), store);
    for (int n = 0; n < 4; n++) reader.window(log.inside(n)).timeout(5, SECONDS).blockingLast();
    assertThat(store.committedBytes()).isLessThanOrEqualTo(fourWindows * 3 / 4);

    FakeStateStream later = new FakeStateStream(log);
    RStreamClient restarted = client(later, store);
    StateView recent = restarted.window(log.inside(3)).timeout(5, SECONDS).blockingLast();
    assertThat(recent.fromStore()).isTrue();
    assertThat(asMap(recent)).isEqualTo(log.replayTo(log.inside(3)));
    assertThat(later.reads).isEmpty();

    StateView evicted = restarted.window(log.inside(0)).timeout(5, SECONDS).blockingLast();
    assertThat(evicted.fromStore()).as("evicted, so read again").isFalse();
    assertThat(asMap(evicted)).isEqualTo(log.replayTo(log.inside(0)));
    assertThat(later.reads.poll(5, SECONDS)).isNotNull();
  }
}
