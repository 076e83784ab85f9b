package dev.rstream.server.write;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.server.state.OffsetFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON mode (spec 9.1): splits a request body into messages, and sets {@code headers.offset} on
 * State Protocol messages (docs/PROTOCOL.md 2.1). Messages are stored as compact JSON, one value
 * per message, so that a read is the stored bytes joined by commas inside brackets. Stateless and
 * thread-safe.
 */
public final class JsonMessages {
  private static final JsonMapper MAPPER =
      JsonMapper.builder()
          // Exact numbers: what a writer sent is what a reader gets (no double rounding, 1.50
          // stays 1.50).
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private JsonMessages() {}

  /**
   * Parses {@code body} and flattens one level of a top-level array (spec 9.1.2). An empty body or
   * {@code []} gives no messages; the caller decides whether that is allowed.
   *
   * @throws WriteRejectedException.InvalidJson when the body is not one valid UTF-8 JSON value
   */
  public static List<byte[]> split(byte[] body, String path)
      throws WriteRejectedException.InvalidJson {
    if (body.length == 0) {
      return List.of();
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (IOException e) {
      throw new WriteRejectedException.InvalidJson(
          path, "body appended to " + path + " is not valid JSON: " + firstLine(e));
    }
    if (root == null || root.isMissingNode()) {
      throw new WriteRejectedException.InvalidJson(
          path, "body appended to " + path + " has no JSON value");
    }
    List<byte[]> messages = new ArrayList<>();
    if (root.isArray()) {
      for (JsonNode element : root) {
        messages.add(write(element));
      }
    } else {
      messages.add(write(root));
    }
    return messages;
  }

  /**
   * A unit's messages ready to store: State Protocol messages (objects whose {@code headers} object
   * has {@code operation} or {@code control}) carry {@code headers.offset} = the offset that
   * follows the unit, whatever the writer put there.
   */
  record Stamped(List<byte[]> messages, long endPosition) {}

  /**
   * Stamps {@code messages}, a unit that starts at {@code startPosition}, with offsets spelled by
   * {@code offsets}, which must give every offset the same length: the messages are sized with a
   * placeholder before the unit's end is known.
   */
  static Stamped stamp(
      List<byte[]> messages, long incarnation, long startPosition, OffsetFormat offsets) {
    String placeholder = offsets.format(0, 0);
    List<byte[]> out = new ArrayList<>(messages.size());
    List<ObjectNode> stateHeaders = new ArrayList<>();
    List<JsonNode> stateRoots = new ArrayList<>();
    List<Integer> stateIndexes = new ArrayList<>();
    long length = 0;
    for (byte[] message : messages) {
      byte[] stored = message;
      if (mayBeStateMessage(message)) {
        JsonNode root = read(message);
        JsonNode headers = root.get("headers");
        if (root.isObject()
            && headers instanceof ObjectNode
            && (headers.has("operation") || headers.has("control"))) {
          ObjectNode h = (ObjectNode) headers;
          h.put("offset", placeholder);
          stored = write(root);
          stateHeaders.add(h);
          stateRoots.add(root);
          stateIndexes.add(out.size());
        }
      }
      out.add(stored);
      length += stored.length;
    }
    long end = startPosition + length;
    if (!stateHeaders.isEmpty()) {
      String offset = offsets.format(incarnation, end);
      for (int i = 0; i < stateHeaders.size(); i++) {
        stateHeaders.get(i).put("offset", offset);
        out.set(stateIndexes.get(i), write(stateRoots.get(i)));
      }
    }
    return new Stamped(out, end);
  }

  /** Cheap pre-filter: most messages of plain streams never get parsed a second time. */
  private static boolean mayBeStateMessage(byte[] message) {
    if (message.length < 12 || message[0] != '{') {
      return false;
    }
    outer:
    for (int i = 0; i + 9 <= message.length; i++) {
      for (int j = 0; j < 9; j++) {
        if (message[i + j] != "\"headers\"".charAt(j)) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static JsonNode read(byte[] message) {
    try {
      return MAPPER.readTree(message);
    } catch (IOException e) {
      // Stored messages were written by this class (or by the conventions from them).
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] write(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String firstLine(IOException e) {
    String message =
        e instanceof JsonProcessingException
            ? ((JsonProcessingException) e).getOriginalMessage()
            : e.getMessage();
    if (message == null) {
      return e.getClass().getSimpleName();
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
