package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.reactivex.rxjava3.core.Flowable;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Clients over a {@link FakeStateStream}, closed after each test: register with
 * {@code @RegisterExtension}. Also the comparisons the client tests share.
 */
final class FakeStreamClients extends OpenClients {
  /**
   * After every time a {@link dev.rstream.internal.window.GeneratedLog} writes (they are in 2026).
   */
  static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  /**
   * A builder reading {@code source}, without live linger, with the clock fixed at {@link #NOW}.
   */
  static RStreamClient.Builder builder(FakeStateStream source) {
    return RStreamClient.builder()
        .source(source)
        .liveLinger(0, SECONDS)
        .clock(Clock.fixed(NOW, ZoneOffset.UTC));
  }

  /** The entities of {@code view} by type, comparable with {@code GeneratedLog.replayTo}. */
  static Map<String, Map<String, String>> asMap(StateView view) {
    Map<String, Map<String, String>> result = new LinkedHashMap<>();
    for (String type : view.types()) result.put(type, new LinkedHashMap<>(view.entities(type)));
    return result;
  }

  /** The last view {@code views} emits, within 5 s. */
  static StateView await(Flowable<StateView> views) {
    return views.timeout(5, SECONDS).blockingLast();
  }

  /** A view per unit: its offset is exact, so offsets strictly increase; no change repeats. */
  static void assertDistinctIncreasingOffsets(List<StateView> views) {
    List<Change> changes = new ArrayList<>();
    for (StateView view : views) changes.addAll(view.changes());
    assertThat(changes).doesNotHaveDuplicates();
    for (int i = 1; i < views.size(); i++) {
      assertThat(views.get(i).offset()).isGreaterThan(views.get(i - 1).offset());
    }
  }
}
