package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import dev.rstream.testing.WindowedHistory;
import io.reactivex.rxjava3.disposables.Disposable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Determinate progress against the real server-stub, whose offsets are byte positions: a replay of
 * history and a first sync report done and total, in windows of the index and in bytes, until done
 * reaches total, then no catch-up.
 */
@ExtendWith(UndeliveredRxErrors.class)
class CatchUpProgressTest {
  private static final int ENTITIES = 4;

  @RegisterExtension final StubServerExtension server = StubServerExtension.inMemory();
  private final List<RStreamClient> clients = new ArrayList<>();
  private final List<Progress.CatchUp> seen = new CopyOnWriteArrayList<>();
  private WindowedHistory history;
  private String url;

  @BeforeEach
  void start() throws Exception {
    url = server.createStateStream("sync/first", "changes=" + ENTITIES + ", interval=3600s");
    history =
        new WindowedHistory(
            server.http(), url, Instant.parse("2020-01-01T00:00:00Z"), ENTITIES, 64);
    history.write(0, 6);
  }

  @AfterEach
  void stop() {
    clients.forEach(RStreamClient::close);
  }

  private RStreamClient client() {
    RStreamClient client =
        RStreamClient.builder()
            .streamUrl(url)
            .okHttpClient(server.http())
            .liveLinger(0, SECONDS)
            .build();
    clients.add(client);
    return client;
  }

  private Disposable record(RStreamClient client) {
    return client
        .progress()
        .subscribe(
            p -> {
              Progress.CatchUp catchUp = p.catchUp();
              if (catchUp != null) seen.add(catchUp);
            });
  }

  private static void awaitNoCatchUp(RStreamClient client) {
    client
        .progress()
        .filter(p -> p.catchUp() == null)
        .firstOrError()
        .timeout(10, SECONDS)
        .blockingGet();
  }

  private void assertFillsUp(int windows) {
    assertThat(seen).isNotEmpty();
    Progress.CatchUp first = seen.get(0);
    Progress.CatchUp last = seen.get(seen.size() - 1);
    assertThat(first.windowsTotal()).isEqualTo(windows);
    assertThat(first.windowsDone()).isZero();
    assertThat(last.windowsDone()).isEqualTo(windows);
    assertThat(last.bytesTotal()).isPositive();
    assertThat(last.bytesDone()).isEqualTo(last.bytesTotal());
    assertThat(last.fraction()).isEqualTo(1.0);
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i).windowsDone()).isGreaterThanOrEqualTo(seen.get(i - 1).windowsDone());
      assertThat(seen.get(i).bytesDone()).isGreaterThanOrEqualTo(seen.get(i - 1).bytesDone());
    }
  }

  @Test
  void replayingHistoryCountsTheWindowsOfTheIndexAndTheirBytes() {
    RStreamClient client = client();
    Disposable recording = record(client);
    // The window before the first batch's keyframe (empty), then one per batch up to the keyframe
    // stamped `to`: five windows, all committed.
    long changes =
        client.changes(history.time(0), history.time(4)).count().timeout(10, SECONDS).blockingGet();
    awaitNoCatchUp(client);
    recording.dispose();

    assertThat(changes).isEqualTo(4L * ENTITIES);
    assertFillsUp(5);
    // Bytes grow window by window: one step per window read, each a whole window's range.
    assertThat(seen.stream().map(Progress.CatchUp::bytesDone).distinct()).hasSize(6);
  }

  @Test
  void aFirstSyncCountsTheBytesOfTheLiveWindowUpToTheTail() throws Exception {
    // Changes after the last keyframe: the live window a first sync reads.
    RStreamClient writer = client();
    Offset tail = null;
    for (int i = 0; i < ENTITIES - 1; i++) {
      tail =
          writer
              .append(Change.update(WindowedHistory.TYPE, "e" + i, "\"after " + i + "\""))
              .timeout(10, SECONDS)
              .blockingGet();
    }

    RStreamClient client = client();
    Disposable recording = record(client);
    StateView state = client.state().timeout(10, SECONDS).blockingGet();
    awaitNoCatchUp(client);
    recording.dispose();

    assertThat(state.offset()).isEqualTo(tail);
    assertThat(state.entities(WindowedHistory.TYPE).get("e0")).isEqualTo("\"after 0\"");
    assertFillsUp(1);
  }
}
