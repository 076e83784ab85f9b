package dev.rstream.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.Change;
import dev.rstream.ChangeProducer;
import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import dev.rstream.SqliteStore;
import dev.rstream.StateView;
import dev.rstream.testing.ReferenceLog;
import java.io.File;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK's end-to-end behaviour on one server, whoever writes the keyframes: time seek against a
 * full replay, live, read-your-writes, a restart on the store, the producer, and writers whose
 * clocks are 10 minutes apart. Run over every server by a subclass each ({@link StubEndToEndTest},
 * {@link NodeEndToEndTest}); the assertions are the same for all.
 */
abstract class EndToEndSuite {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final Instant START = Instant.parse("2026-02-02T09:00:00Z");
  private static final AtomicInteger streams = new AtomicInteger();

  @TempDir File dir;

  /** The server of this run, started once for the class. */
  abstract ServerUnderTest server();

  @AfterEach
  void serverStillHealthy() throws Exception {
    server().assertHealthy();
  }

  String newStream(int changesPerKeyframe) throws Exception {
    return server().createStateStream("e2e/s" + streams.incrementAndGet(), changesPerKeyframe);
  }

  @Test
  void timeSeekEqualsTheFullReplay() throws Exception {
    String url = newStream(10);
    ReferenceLog log = new ReferenceLog(START);
    Random random = new Random(1);
    Offset last = null;
    try (RStreamClient writer = client(url)) {
      for (int i = 0; i < 40; i++) {
        last =
            writer
                .append(
                    changes(log.randomUnit(random, ReferenceLog.Shape.UPDATES_DELETES_AND_TIES)))
                .blockingGet();
      }
    }
    Index.await(server().http(), url, 5);
    try (RStreamClient reader = client(url)) {
      reader.awaitOffset(last, 30, TimeUnit.SECONDS).blockingAwait();
      List<ReferenceLog.Entry> entries = log.entries();
      List<Instant> times = new ArrayList<>(List.of(START.minusSeconds(1), log.clock()));
      for (int i = 0; i < 20; i++) {
        Instant at = entries.get(random.nextInt(entries.size())).timestamp();
        times.add(random.nextBoolean() ? at : at.plusMillis(random.nextInt(900)));
      }
      for (Instant time : times) {
        StateView view = reader.window(time).timeout(30, TimeUnit.SECONDS).blockingLast();
        assertThat(values(view)).as("state at %s", time).isEqualTo(json(log.replayTo(time)));
      }
    }
  }

  @Test
  void liveDeliversEveryAppendOnceInOrder() throws Exception {
    String url = newStream(7);
    ReferenceLog log = new ReferenceLog(START);
    Random random = new Random(2);
    try (RStreamClient reader = client(url);
        RStreamClient writer = client(url)) {
      List<Change> seen = java.util.Collections.synchronizedList(new ArrayList<>());
      List<StateView> views = java.util.Collections.synchronizedList(new ArrayList<>());
      var subscription =
          reader
              .live()
              .subscribe(
                  view -> {
                    // The first state is the stream before the appends: none of their changes.
                    if (!views.isEmpty()) seen.addAll(view.changes());
                    views.add(view);
                  });
      try {
        Poll.until("the first live state", () -> !views.isEmpty());
        Offset last = null;
        for (int i = 0; i < 25; i++) {
          last =
              writer
                  .append(changes(log.randomUnit(random, ReferenceLog.Shape.UPDATES)))
                  .blockingGet();
        }
        reader.awaitOffset(last, 30, TimeUnit.SECONDS).blockingAwait();
        Offset end = last;
        Poll.until(
            "the live view at the last append",
            () -> {
              synchronized (views) {
                return !views.isEmpty() && views.get(views.size() - 1).offset().compareTo(end) >= 0;
              }
            });
      } finally {
        subscription.dispose();
      }
      List<ReferenceLog.Entry> entries = log.entries();
      assertThat(seen).hasSize(entries.size());
      for (int i = 0; i < entries.size(); i++) {
        assertThat(seen.get(i).key()).isEqualTo(entries.get(i).key());
        assertThat(seen.get(i).timestamp()).isEqualTo(entries.get(i).timestamp());
      }
      StateView last = views.get(views.size() - 1);
      assertThat(values(last)).isEqualTo(json(log.replayTo(log.clock())));
    }
  }

  @Test
  void aClientReadsItsOwnWrites() throws Exception {
    String url = newStream(5);
    try (RStreamClient client = client(url)) {
      for (int i = 0; i < 8; i++) {
        Offset written =
            client.append(Change.update("order", "mine", "{\"n\":" + i + "}")).blockingGet();
        client.awaitOffset(written, 30, TimeUnit.SECONDS).blockingAwait();
        assertThat(client.state().blockingGet().json("order", "mine"))
            .isEqualTo("{\"n\":" + i + "}");
      }
    }
  }

  @Test
  void aRestartOnTheStoreResumesFromWhatItHolds() throws Exception {
    String url = newStream(6);
    ReferenceLog log = new ReferenceLog(START);
    Random random = new Random(4);
    File file = new File(dir, "rstream.db");
    Offset first = null;
    try (RStreamClient writer = client(url)) {
      for (int i = 0; i < 15; i++) {
        first =
            writer
                .append(changes(log.randomUnit(random, ReferenceLog.Shape.UPDATES)))
                .blockingGet();
      }
      try (SqliteStore store = SqliteStore.builder().file(file).build();
          RStreamClient app = RStreamClient.builder().streamUrl(url).store(store).build()) {
        Offset target = first;
        app.live()
            .filter(v -> v.offset().compareTo(target) >= 0)
            .timeout(30, TimeUnit.SECONDS)
            .blockingFirst();
      }
      Offset last = null;
      for (int i = 0; i < 10; i++) {
        last =
            writer
                .append(changes(log.randomUnit(random, ReferenceLog.Shape.UPDATES)))
                .blockingGet();
      }
      try (SqliteStore store = SqliteStore.builder().file(file).build();
          RStreamClient app = RStreamClient.builder().streamUrl(url).store(store).build()) {
        StateView restored = app.live().timeout(30, TimeUnit.SECONDS).blockingFirst();
        assertThat(restored.fromStore()).isTrue();
        assertThat(restored.offset()).isGreaterThanOrEqualTo(first);
        Offset target = last;
        StateView current =
            app.live()
                .filter(v -> v.offset().compareTo(target) >= 0)
                .timeout(30, TimeUnit.SECONDS)
                .blockingFirst();
        assertThat(values(current)).isEqualTo(json(log.replayTo(log.clock())));
      }
    }
  }

  @Test
  void theProducerAppendsEachChangeOnce() throws Exception {
    String url = newStream(10);
    try (RStreamClient client = client(url)) {
      ChangeProducer producer = client.producer();
      Offset last = null;
      for (int i = 0; i < 50; i++) {
        last =
            producer
                .append(Change.update("order", "p" + (i % 7), "{\"i\":" + i + "}"))
                .blockingGet();
      }
      producer.flush().blockingAwait();
      client.awaitOffset(last, 30, TimeUnit.SECONDS).blockingAwait();
      Map<String, String> state = client.state().blockingGet().entities("order");
      for (int k = 0; k < 7; k++) {
        int lastI = 49 - ((49 - k) % 7);
        assertThat(state.get("p" + k)).isEqualTo("{\"i\":" + lastI + "}");
      }
      assertThat(EffectiveReplay.read(server().http(), url).changes).hasSize(50);
    }
  }

  @Test
  void writersWithClocksTenMinutesApartNeverMakeTimeGoBack() throws Exception {
    String url = newStream(8);
    ReferenceLog ahead = new ReferenceLog(START);
    ReferenceLog behind = new ReferenceLog(START.minusSeconds(600));
    Random random = new Random(6);
    try (RStreamClient first = client(url);
        RStreamClient second = client(url)) {
      if (server().refusesEarlierTimestamps()) {
        // server-stub keeps timestamps in order itself (docs/PROTOCOL.md 3.1): the writer behind
        // is told, and nothing of its request is appended.
        first.append(changes(ahead.randomUnit(random, ReferenceLog.Shape.UPDATES))).blockingGet();
        org.junit.jupiter.api.Assertions.assertThrows(
            dev.rstream.UnexpectedStatusException.class,
            () ->
                second
                    .append(changes(behind.randomUnit(random, ReferenceLog.Shape.UPDATES)))
                    .blockingGet());
        assertThat(EffectiveReplay.read(server().http(), url).changes).hasSize(ahead.size());
        return;
      }
      List<StateView> views = java.util.Collections.synchronizedList(new ArrayList<>());
      var subscription = first.live().subscribe(views::add);
      Offset last = null;
      try {
        for (int i = 0; i < 30; i++) {
          first.append(changes(ahead.randomUnit(random, ReferenceLog.Shape.UPDATES))).blockingGet();
          last =
              second
                  .append(changes(behind.randomUnit(random, ReferenceLog.Shape.UPDATES)))
                  .blockingGet();
        }
        first.awaitOffset(last, 30, TimeUnit.SECONDS).blockingAwait();
      } finally {
        subscription.dispose();
      }
      EffectiveReplay replay = EffectiveReplay.read(server().http(), url);
      Instant before = Instant.MIN;
      boolean skewed = false;
      for (EffectiveReplay.ChangeAt change : replay.changes) {
        assertThat(change.effective()).isAfterOrEqualTo(before);
        skewed |= change.own().isBefore(change.effective());
        before = change.effective();
      }
      assertThat(skewed).as("some change stamped before the one ahead of it").isTrue();
      Instant seen = Instant.MIN;
      for (StateView view : new ArrayList<>(views)) {
        if (view.timestamp() == null) continue;
        assertThat(view.timestamp()).as("live timestamps").isAfterOrEqualTo(seen);
        seen = view.timestamp();
      }
      Index.await(server().http(), url, 4);
      try (RStreamClient reader = client(url)) {
        for (int i = 0; i < 15; i++) {
          Instant time =
              replay
                  .changes
                  .get(random.nextInt(replay.changes.size()))
                  .effective()
                  .plusMillis(random.nextInt(3) - 1);
          StateView view = reader.window(time).timeout(30, TimeUnit.SECONDS).blockingLast();
          assertThat(values(view))
              .as("state at %s", time)
              .isEqualTo(replay.replayTo("order", time));
        }
      }
    }
  }

  RStreamClient client(String url) {
    return RStreamClient.builder().streamUrl(url).okHttpClient(server().http()).build();
  }

  static List<Change> changes(List<ReferenceLog.Entry> unit) {
    List<Change> changes = new ArrayList<>();
    for (ReferenceLog.Entry entry : unit) {
      Change.Builder change =
          Change.builder()
              .type("order")
              .key(entry.key())
              .operation(entry.isDelete() ? Change.Operation.DELETE : Change.Operation.UPDATE)
              .timestamp(entry.timestamp());
      if (!entry.isDelete()) change.value(entry.value());
      changes.add(change.build());
    }
    return changes;
  }

  static Map<String, JsonNode> values(StateView view) {
    return json(view.entities("order"));
  }

  static Map<String, JsonNode> json(Map<String, String> texts) {
    Map<String, JsonNode> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : texts.entrySet()) {
      try {
        values.put(entry.getKey(), MAPPER.readTree(entry.getValue()));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
    return values;
  }
}
