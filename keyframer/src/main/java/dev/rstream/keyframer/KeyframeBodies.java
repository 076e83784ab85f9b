package dev.rstream.keyframer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.Offset;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The JSON the keyframer appends (docs/PROTOCOL.md 3.2, 3.4): a keyframe as one append unit, and
 * one keyframe index entry.
 */
final class KeyframeBodies {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private KeyframeBodies() {}

  /**
   * {@code snapshot-start} (with {@code asOf}, and the state's time unless it includes no change),
   * one insert per entity stamped with that time, {@code snapshot-end}: a JSON array, so that the
   * server appends it as one unit.
   */
  static byte[] keyframe(
      Offset asOf, @Nullable Instant timestamp, Map<FollowedState.EntityKey, JsonNode> entities) {
    String time = timestamp != null ? Timestamps.format(timestamp) : null;
    ArrayNode unit = MAPPER.createArrayNode();
    ObjectNode start = unit.addObject();
    ObjectNode startHeaders = start.putObject("headers");
    startHeaders.put("control", "snapshot-start");
    startHeaders.put("asOf", asOf.value());
    if (time != null) startHeaders.put("timestamp", time);
    for (Map.Entry<FollowedState.EntityKey, JsonNode> entity : entities.entrySet()) {
      ObjectNode insert = unit.addObject();
      insert.put("type", entity.getKey().type());
      insert.put("key", entity.getKey().key());
      insert.set("value", entity.getValue());
      ObjectNode headers = insert.putObject("headers");
      headers.put("operation", "insert");
      // Entities exist only after a change, so the state has a time here.
      headers.put("timestamp", time != null ? time : Timestamps.format(Instant.EPOCH));
    }
    ObjectNode end = unit.addObject().putObject("headers");
    end.put("control", "snapshot-end");
    if (time != null) end.put("timestamp", time);
    return bytes(unit);
  }

  /**
   * The index entry of {@code keyframe}: {@code offset} its start offset, {@code keyframe} its
   * position when that differs, {@code timestamp} unless it has none; as a one-message JSON array.
   */
  static byte[] indexEntry(FoundKeyframe keyframe) {
    ArrayNode unit = MAPPER.createArrayNode();
    ObjectNode entry = unit.addObject();
    entry.put("offset", keyframe.asOf().value());
    if (!keyframe.position().equals(keyframe.asOf())) {
      entry.put("keyframe", keyframe.position().value());
    }
    Instant timestamp = keyframe.timestamp();
    if (timestamp != null) entry.put("timestamp", Timestamps.format(timestamp));
    return bytes(unit);
  }

  private static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a tree Jackson built cannot be written", e);
    }
  }
}
