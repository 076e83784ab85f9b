package dev.rstream.server.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.server.storage.LogStore;
import dev.rstream.server.storage.MemoryLogStore;
import dev.rstream.server.storage.ReadResult;
import dev.rstream.server.storage.StreamMeta;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link RealStreamConventions} on a {@link MemoryLogStore}, with a manual scheduler and clock
 * and a {@link FakeAppender}; plus an independent replay of a stream (Jackson trees, written from
 * the State Protocol rules, sharing no code with the conventions) to compare keyframes against.
 */
final class Harness implements AutoCloseable {
  static final Instant T0 = Instant.parse("2026-11-22T03:00:00Z");
  static final ObjectMapper JSON = new ObjectMapper();
  static final OffsetFormat OFFSETS = (incarnation, position) -> incarnation + "_" + position;

  final MutableClock clock;
  final ManualScheduler scheduler;
  final LogStore store;
  final RealStreamConventions conventions;
  final FakeAppender appender;

  Harness() {
    this(new MemoryLogStore(), new MutableClock(T0));
  }

  /** A server (re)started on {@code store}: what a restart after a crash looks like. */
  Harness(LogStore store, MutableClock clock) {
    this(store, clock, true);
  }

  private Harness(LogStore store, MutableClock clock, boolean start) {
    this.clock = clock;
    this.scheduler = new ManualScheduler(clock);
    this.store = store;
    this.conventions =
        RealStreamConventions.builder()
            .store(store)
            .offsetFormat(OFFSETS)
            .clock(clock)
            .scheduler(scheduler)
            .timerTick(Duration.ofSeconds(1))
            .build();
    this.appender = new FakeAppender(store, conventions, clock::millis);
    if (start) conventions.start(appender);
  }

  /** Read-only helpers over a store another test set up (no conventions of its own). */
  static Harness viewOf(MemoryLogStore store) {
    return new Harness(store, new MutableClock(T0), false);
  }

  /** {@code conventions}' materialised state of {@code path}, in the replay's shape. */
  Map<String, JsonNode> conventionsState(RealStreamConventions other, String path)
      throws IOException {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (Map.Entry<StreamState.EntityKey, byte[]> e : other.stateSnapshot(path).entrySet()) {
      out.put(e.getKey().type() + "/" + e.getKey().key(), JSON.readTree(e.getValue()));
    }
    return out;
  }

  StreamMeta createStateStream(String path, String policy) throws Exception {
    return appender.create(path, policy);
  }

  /** A change message; {@code timestamp} null leaves it out. */
  static String change(String op, String type, String key, String valueJson, String timestamp) {
    String value = valueJson == null ? "" : "\"value\":" + valueJson + ",";
    String ts = timestamp == null ? "" : ",\"timestamp\":\"" + timestamp + "\"";
    return "{\"type\":\""
        + type
        + "\",\"key\":\""
        + key
        + "\","
        + value
        + "\"headers\":{\"operation\":\""
        + op
        + "\""
        + ts
        + "}}";
  }

  /** Every message of the stream with the position just before it. */
  List<Positioned> read(String path) throws Exception {
    List<Positioned> out = new ArrayList<>();
    long position = 0;
    while (true) {
      ReadResult r = store.read(path, position, 1 << 16);
      for (byte[] m : r.messages()) {
        out.add(new Positioned(position, new String(m, StandardCharsets.UTF_8)));
        position += m.length;
      }
      if (r.messages().isEmpty() || r.upToDate()) return out;
    }
  }

  List<String> texts(String path) throws Exception {
    List<String> out = new ArrayList<>();
    for (Positioned p : read(path)) out.add(p.text());
    return out;
  }

  /** The keyframes in a stream, each with its start position, timestamp and content. */
  List<Keyframe> keyframes(String path) throws Exception {
    List<Keyframe> out = new ArrayList<>();
    Keyframe open = null;
    for (Positioned p : read(path)) {
      JsonNode m = JSON.readTree(p.text());
      String control = m.path("headers").path("control").asText(null);
      if ("snapshot-start".equals(control)) {
        open =
            new Keyframe(
                p.position(),
                m.path("headers").path("timestamp").asText(),
                new LinkedHashMap<>(),
                new ArrayList<>());
      } else if ("snapshot-end".equals(control)) {
        out.add(open);
        open = null;
      } else if (open != null) {
        assertThat(m.path("headers").path("operation").asText()).isEqualTo("insert");
        open.state().put(m.get("type").asText() + "/" + m.get("key").asText(), m.get("value"));
        open.insertTimestamps().add(m.path("headers").path("timestamp").asText());
      }
    }
    return out;
  }

  /** State after replaying every message before {@code position}, by the State Protocol rules. */
  Map<String, JsonNode> replay(String path, long position) throws Exception {
    Map<String, JsonNode> state = new LinkedHashMap<>();
    for (Positioned p : read(path)) {
      if (p.position() >= position) break;
      JsonNode m = JSON.readTree(p.text());
      JsonNode h = m.path("headers");
      String op = h.path("operation").asText(null);
      String control = h.path("control").asText(null);
      if (op != null) {
        String k = m.get("type").asText() + "/" + m.get("key").asText();
        if (op.equals("delete")) state.remove(k);
        else state.put(k, m.get("value"));
      } else if ("snapshot-start".equals(control) || "reset".equals(control)) {
        state.clear();
      }
    }
    return state;
  }

  /** The conventions' materialised state, in the replay's shape. */
  Map<String, JsonNode> materialised(String path) throws IOException {
    return conventions.stateSnapshot(path) == null ? null : conventionsState(conventions, path);
  }

  /** The index entries of a state stream. */
  List<ObjectNode> index(String path) throws Exception {
    List<ObjectNode> out = new ArrayList<>();
    for (String t : texts(path + RealStreamConventions.INDEX_SUFFIX)) {
      ObjectNode n = (ObjectNode) JSON.readTree(t);
      out.add(n);
    }
    return out;
  }

  long tail(String path) {
    return store.meta(path).tailPosition();
  }

  @Override
  public void close() {
    conventions.close();
  }

  record Positioned(long position, String text) {}

  record Keyframe(
      long position,
      String timestamp,
      Map<String, JsonNode> state,
      List<String> insertTimestamps) {}
}
