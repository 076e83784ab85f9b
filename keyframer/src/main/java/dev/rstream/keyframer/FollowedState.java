package dev.rstream.keyframer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rstream.Offset;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The state of one stream as the keyframer follows it, message by message in stream order
 * (docs/PROTOCOL.md 2, 3.1, 3.2): the entities, the effective timestamp, and the last keyframe met.
 *
 * <p>Known or not: read from the stream's start ({@code -1}) it is known from the first message.
 * Read from a keyframe's start offset (its {@code asOf}), it becomes known at that keyframe's
 * {@code snapshot-end}: the changes met before its {@code snapshot-start} are set aside and applied
 * after its inserts. Once known, a keyframe met changes nothing (it holds the state the changes
 * already made) and only moves the bookkeeping: the last keyframe, and the changes since it.
 *
 * <p>Unit boundaries come from {@code headers.offset} (the offset after the message's append unit,
 * PROTOCOL 2.1); without it, the start of the read batch stands in for a unit's start, which is
 * earlier and still safe. Not thread-safe: the keyframer's one thread drives it.
 */
final class FollowedState {
  private static final Logger logger = Logger.getLogger(FollowedState.class.getName());

  /** An entity's identity within a stream. */
  record EntityKey(String type, String key) {}

  private record SetAside(Offset unitStart, JsonNode change) {}

  private final Map<EntityKey, JsonNode> entities = new LinkedHashMap<>();
  private boolean known;
  private boolean anyChange;
  private @Nullable Instant effective;

  private Offset batchStart = Offset.START;
  private @Nullable Offset unitStart;
  private @Nullable Offset unitEnd;

  /** Changes met while not known, with where their unit starts. */
  private final List<SetAside> setAside = new ArrayList<>();

  /** The unit start of each change since the last keyframe's end (to count those after asOf). */
  private final List<Offset> changeStarts = new ArrayList<>();

  private long changesSinceKeyframe;

  private @Nullable FoundKeyframe current;
  private @Nullable Map<EntityKey, JsonNode> snapshot;
  private @Nullable FoundKeyframe lastKeyframe;

  /** A state read from {@code -1} is known (empty) from the start; one read from an asOf is not. */
  FollowedState(boolean readFromStart) {
    this.known = readFromStart;
  }

  /** A read batch begins at {@code from}: where a unit without {@code headers.offset} starts. */
  void startBatch(Offset from) {
    batchStart = from;
  }

  /**
   * Applies one message; returns the keyframe it completed when it is a {@code snapshot-end}, null
   * otherwise.
   *
   * @throws IllegalStateException when keyframes nest or a {@code snapshot-end} has no start: the
   *     stream is not one a keyframer can follow
   */
  @Nullable FoundKeyframe apply(JsonNode message) {
    JsonNode headers = message.get("headers");
    if (headers == null || !headers.isObject()) return null; // not a State Protocol message
    advanceUnit(text(headers, "offset"));
    Offset start = unitStart != null ? unitStart : batchStart;
    Instant timestamp = timestamp(headers);
    if (timestamp != null && (effective == null || timestamp.isAfter(effective))) {
      effective = timestamp;
    }
    String control = text(headers, "control");
    if (control != null) return control(control, headers, start, timestamp);
    String operation = text(headers, "operation");
    if (operation == null) return null;
    if (current != null) {
      Map<EntityKey, JsonNode> inserts = snapshot;
      if (inserts != null) put(inserts, message);
      return null;
    }
    changesSinceKeyframe++;
    changeStarts.add(start);
    if (known) {
      anyChange = true;
      applyChange(entities, message, operation);
    } else {
      setAside.add(new SetAside(start, message));
    }
    return null;
  }

  private void advanceUnit(@Nullable String offset) {
    if (offset == null) {
      unitStart = null;
      unitEnd = null;
      return;
    }
    Offset end = Offset.of(offset);
    if (end.equals(unitEnd)) return;
    unitStart = unitEnd != null ? unitEnd : batchStart;
    unitEnd = end;
  }

  private @Nullable FoundKeyframe control(
      String control, JsonNode headers, Offset start, @Nullable Instant timestamp) {
    switch (control) {
      case "snapshot-start" -> {
        if (current != null) {
          throw new IllegalStateException("snapshot-start at " + start + " inside a keyframe");
        }
        String asOfText = text(headers, "asOf");
        Offset asOf = asOfText != null ? Offset.of(asOfText) : start;
        if (asOf.compareTo(start) > 0) asOf = start;
        current = new FoundKeyframe(start, asOf, timestamp);
        snapshot = known ? null : new LinkedHashMap<>();
        return null;
      }
      case "snapshot-end" -> {
        FoundKeyframe done = current;
        if (done == null) {
          throw new IllegalStateException("snapshot-end at " + start + " without a snapshot-start");
        }
        endKeyframe(done);
        return done;
      }
      default -> {
        // A reset would mean rebuilding from another offset: left to the clients, logged here.
        logger.warning("ignoring control " + control + " at " + start);
        return null;
      }
    }
  }

  private void endKeyframe(FoundKeyframe done) {
    Map<EntityKey, JsonNode> inserts = snapshot;
    if (!known && inserts != null) {
      entities.clear();
      entities.putAll(inserts);
      anyChange = done.timestamp() != null;
      for (SetAside change : setAside) {
        if (change.unitStart().compareTo(done.asOf()) >= 0) {
          anyChange = true;
          JsonNode headers = change.change().get("headers");
          applyChange(entities, change.change(), String.valueOf(text(headers, "operation")));
        }
      }
      setAside.clear();
      known = true;
    }
    long after = 0;
    for (Offset changeStart : changeStarts) {
      if (changeStart.compareTo(done.asOf()) >= 0) after++;
    }
    changeStarts.clear();
    changesSinceKeyframe = after;
    lastKeyframe = done;
    current = null;
    snapshot = null;
  }

  private static void applyChange(
      Map<EntityKey, JsonNode> target, JsonNode change, String operation) {
    if (operation.equals("delete")) {
      EntityKey key = key(change);
      if (key != null) target.remove(key);
    } else {
      put(target, change);
    }
  }

  private static void put(Map<EntityKey, JsonNode> target, JsonNode change) {
    EntityKey key = key(change);
    JsonNode value = change.get("value");
    if (key != null && value != null) target.put(key, value);
  }

  private static @Nullable EntityKey key(JsonNode change) {
    String type = text(change, "type");
    String key = text(change, "key");
    return type == null || key == null ? null : new EntityKey(type, key);
  }

  private static @Nullable Instant timestamp(JsonNode headers) {
    String text = text(headers, "timestamp");
    return text == null ? null : Timestamps.parse(text);
  }

  private static @Nullable String text(@Nullable JsonNode node, String field) {
    if (node == null) return null;
    JsonNode value = node.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }

  /** Whether the entities are the stream's state (see the class comment). */
  boolean known() {
    return known;
  }

  /** Whether the last message read was inside a keyframe (between its start and its end). */
  boolean insideKeyframe() {
    return current != null;
  }

  /** The entities; the keyframer builds its keyframes from them. */
  Map<EntityKey, JsonNode> entities() {
    return entities;
  }

  /**
   * The effective timestamp of the state (PROTOCOL 3.1), or null when no change has been applied:
   * the state is then the one before the first change, which a keyframe carries without time.
   */
  @Nullable Instant stateTimestamp() {
    if (!anyChange) return null;
    return effective != null ? effective : Instant.EPOCH;
  }

  /** Changes after the last keyframe's start offset (all changes read when there is none). */
  long changesSinceKeyframe() {
    return changesSinceKeyframe;
  }

  /** The last keyframe read, or null when none was. */
  @Nullable FoundKeyframe lastKeyframe() {
    return lastKeyframe;
  }
}
