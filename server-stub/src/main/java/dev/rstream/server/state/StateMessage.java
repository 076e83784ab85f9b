package dev.rstream.server.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * One message of a state stream, read with Jackson's streaming parser so that the message's bytes
 * are never re-serialised: a client's message is stored byte for byte (only a missing timestamp is
 * spliced in) and an entity's value is kept as the exact slice of bytes it was written with.
 */
final class StateMessage {
  enum Kind {
    /** An object with {@code headers.operation}. */
    CHANGE,
    /** An object with {@code headers.control} and no operation. */
    CONTROL,
    /** Anything else: stored and served, ignored by the conventions. */
    OTHER
  }

  static final JsonFactory JSON =
      JsonFactory.builder()
          .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  final byte[] bytes;
  final Kind kind;
  final @Nullable String type;
  final @Nullable String key;
  final @Nullable String operation;
  final @Nullable String control;

  /** {@code headers.timestamp} as an instant, or null when absent. */
  final @Nullable Instant timestamp;

  /** {@code headers.timestamp} as written, or null when absent. */
  final @Nullable String timestampText;

  private final int valueStart;
  private final int valueEnd;
  private final int headersStart;
  private final boolean headersEmpty;

  private StateMessage(
      byte[] bytes,
      Kind kind,
      @Nullable String type,
      @Nullable String key,
      @Nullable String operation,
      @Nullable String control,
      @Nullable Instant timestamp,
      @Nullable String timestampText,
      int valueStart,
      int valueEnd,
      int headersStart,
      boolean headersEmpty) {
    this.bytes = bytes;
    this.kind = kind;
    this.type = type;
    this.key = key;
    this.operation = operation;
    this.control = control;
    this.timestamp = timestamp;
    this.timestampText = timestampText;
    this.valueStart = valueStart;
    this.valueEnd = valueEnd;
    this.headersStart = headersStart;
    this.headersEmpty = headersEmpty;
  }

  /** The {@code value} field's bytes as written, or null when the message has none. */
  byte @Nullable [] valueBytes() {
    return valueStart < 0 ? null : Arrays.copyOfRange(bytes, valueStart, valueEnd);
  }

  /**
   * Reads and checks one message. Changes must follow State Protocol 5.1 (non-empty string {@code
   * type} and {@code key}, a known operation, a {@code value} for insert and update, an RFC 3339
   * {@code timestamp} when present); controls and other JSON pass as they are.
   *
   * @throws InvalidMessageException saying what is wrong, for the 400 body
   */
  static StateMessage parse(byte[] bytes) throws InvalidMessageException {
    try (JsonParser p = JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        skipRest(p);
        return other(bytes);
      }
      String type = null;
      String key = null;
      boolean typeNotString = false;
      boolean keyNotString = false;
      int valueStart = -1;
      int valueEnd = -1;
      int headersStart = -1;
      boolean headersEmpty = false;
      String operation = null;
      String control = null;
      String timestampText = null;
      boolean operationNotString = false;
      boolean timestampNotString = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "type":
            if (t == JsonToken.VALUE_STRING) type = p.getText();
            else typeNotString = true;
            p.skipChildren();
            break;
          case "key":
            if (t == JsonToken.VALUE_STRING) key = p.getText();
            else keyNotString = true;
            p.skipChildren();
            break;
          case "value":
            valueStart = (int) p.currentTokenLocation().getByteOffset();
            if (t.isStructStart()) {
              p.skipChildren();
              valueEnd = (int) p.currentTokenLocation().getByteOffset() + 1;
            } else {
              // Strings are decoded lazily; finish the token so the location is past its end.
              p.finishToken();
              valueEnd = (int) p.currentLocation().getByteOffset();
            }
            break;
          case "headers":
            if (t != JsonToken.START_OBJECT) {
              p.skipChildren();
              break;
            }
            headersStart = (int) p.currentTokenLocation().getByteOffset();
            headersEmpty = true;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              headersEmpty = false;
              String h = p.currentName();
              JsonToken ht = p.nextToken();
              String text = ht == JsonToken.VALUE_STRING ? p.getText() : null;
              switch (h) {
                case "operation":
                  operation = text;
                  operationNotString = text == null;
                  break;
                case "control":
                  control = text;
                  break;
                case "timestamp":
                  timestampText = text;
                  timestampNotString = text == null;
                  break;
                default:
                  break;
              }
              p.skipChildren();
            }
            break;
          default:
            p.skipChildren();
            break;
        }
      }
      if (p.nextToken() != null)
        throw new InvalidMessageException("trailing data after the JSON value");

      if (operation == null && !operationNotString) {
        Kind kind = control != null ? Kind.CONTROL : Kind.OTHER;
        Instant ts = null;
        if (kind == Kind.CONTROL && timestampText != null) ts = tryParse(timestampText);
        return new StateMessage(
            bytes,
            kind,
            type,
            key,
            null,
            control,
            ts,
            ts != null ? timestampText : null,
            valueStart,
            valueEnd,
            headersStart,
            headersEmpty);
      }
      if (operationNotString
          || operation == null
          || !(operation.equals("insert")
              || operation.equals("update")
              || operation.equals("delete"))) {
        throw new InvalidMessageException(
            "headers.operation must be \"insert\", \"update\" or \"delete\"");
      }
      if (control != null) {
        throw new InvalidMessageException("a change must not carry headers.control");
      }
      if (typeNotString || type == null || type.isEmpty()) {
        throw new InvalidMessageException("a change needs a non-empty string \"type\"");
      }
      if (keyNotString || key == null || key.isEmpty()) {
        throw new InvalidMessageException("a change needs a non-empty string \"key\"");
      }
      if (valueStart < 0 && !operation.equals("delete")) {
        throw new InvalidMessageException("an " + operation + " needs a \"value\"");
      }
      Instant timestamp = null;
      if (timestampNotString) {
        throw new InvalidMessageException("headers.timestamp must be an RFC 3339 string");
      }
      if (timestampText != null) {
        timestamp = tryParse(timestampText);
        if (timestamp == null) {
          throw new InvalidMessageException(
              "headers.timestamp '" + timestampText + "' is not an RFC 3339 date-time");
        }
      }
      return new StateMessage(
          bytes,
          Kind.CHANGE,
          type,
          key,
          operation,
          null,
          timestamp,
          timestampText,
          valueStart,
          valueEnd,
          headersStart,
          headersEmpty);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new InvalidMessageException("not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new InvalidMessageException("not valid JSON: " + e.getMessage());
    }
  }

  /** Like {@link #parse}, for bytes already stored: a message that fails the checks is OTHER. */
  static StateMessage parseStored(byte[] bytes) {
    try {
      return parse(bytes);
    } catch (InvalidMessageException e) {
      return other(bytes);
    }
  }

  /**
   * A copy of this change with {@code headers.timestamp} spliced in as the first header, the rest
   * of the bytes untouched.
   */
  StateMessage withTimestamp(Instant instant) {
    if (kind != Kind.CHANGE || headersStart < 0 || timestampText != null) {
      throw new IllegalStateException("not a change without a timestamp");
    }
    String text = Rfc3339.formatMillis(instant);
    byte[] insert =
        ("\"timestamp\":\"" + text + "\"" + (headersEmpty ? "" : ","))
            .getBytes(StandardCharsets.UTF_8);
    int at = headersStart + 1;
    byte[] out = new byte[bytes.length + insert.length];
    System.arraycopy(bytes, 0, out, 0, at);
    System.arraycopy(insert, 0, out, at, insert.length);
    System.arraycopy(bytes, at, out, at + insert.length, bytes.length - at);
    int shift = valueStart > headersStart ? insert.length : 0;
    return new StateMessage(
        out,
        kind,
        type,
        key,
        operation,
        control,
        instant,
        text,
        valueStart < 0 ? -1 : valueStart + shift,
        valueEnd < 0 ? -1 : valueEnd + shift,
        headersStart,
        false);
  }

  private static StateMessage other(byte[] bytes) {
    return new StateMessage(
        bytes, Kind.OTHER, null, null, null, null, null, null, -1, -1, -1, false);
  }

  private static void skipRest(JsonParser p) throws IOException, InvalidMessageException {
    p.skipChildren();
    if (p.nextToken() != null)
      throw new InvalidMessageException("trailing data after the JSON value");
  }

  private static @Nullable Instant tryParse(String text) {
    try {
      return Rfc3339.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  // ---- writing: the messages the server itself appends ----------------------------------------

  /**
   * {@code {"headers":{"control":C,"timestamp":T}}}, or without {@code timestamp} when it is null
   * (the keyframe of a stream with no change yet, docs/PROTOCOL.md 3.2).
   */
  static byte[] control(String control, @Nullable String timestamp) {
    String ts = timestamp == null ? "" : ",\"timestamp\":\"" + timestamp + "\"";
    return ("{\"headers\":{\"control\":\"" + control + "\"" + ts + "}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static final byte[] INSERT_TYPE = "{\"type\":\"".getBytes(StandardCharsets.UTF_8);
  private static final byte[] INSERT_KEY = "\",\"key\":\"".getBytes(StandardCharsets.UTF_8);
  private static final byte[] INSERT_VALUE = "\",\"value\":".getBytes(StandardCharsets.UTF_8);

  /** The end of every insert of one keyframe: its headers, with the keyframe's timestamp. */
  static byte[] insertHeaders(String timestamp) {
    return (",\"headers\":{\"operation\":\"insert\",\"timestamp\":\"" + timestamp + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** {@code s} escaped for the inside of a JSON string, UTF-8. */
  static byte[] escape(String s) {
    return JsonStringEncoder.getInstance().quoteAsUTF8(s);
  }

  /**
   * An insert of {@code value} (raw JSON) at the escaped {@code type} and {@code key}, ending with
   * {@code headers} from {@link #insertHeaders}. Assembled from bytes in one allocation: a keyframe
   * builds one per entity while the stream's append lock is held.
   */
  static byte[] insert(byte[] type, byte[] key, byte[] value, byte[] headers) {
    byte[] out =
        new byte
            [INSERT_TYPE.length
                + type.length
                + INSERT_KEY.length
                + key.length
                + INSERT_VALUE.length
                + value.length
                + headers.length];
    int at = 0;
    for (byte[] part :
        new byte[][] {INSERT_TYPE, type, INSERT_KEY, key, INSERT_VALUE, value, headers}) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }

  /**
   * A keyframe index entry, {@code {"offset":O,"timestamp":T}}, or {@code {"offset":O}} for a
   * keyframe without a timestamp (docs/PROTOCOL.md 3.4).
   */
  static byte[] indexEntry(String offset, @Nullable String timestamp) {
    String ts = timestamp == null ? "" : ",\"timestamp\":" + quote(timestamp);
    return ("{\"offset\":" + quote(offset) + ts + "}").getBytes(StandardCharsets.UTF_8);
  }

  /** Reads {@code offset} from an index entry, or null when the entry has none. */
  static @Nullable String indexEntryOffset(byte[] entry) {
    try (JsonParser p = JSON.createParser(entry)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if (field.equals("offset") && t == JsonToken.VALUE_STRING) return p.getText();
        p.skipChildren();
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  static String quote(String s) {
    return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + '"';
  }

  /** A message that breaks the State Protocol's rules for changes. */
  static final class InvalidMessageException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidMessageException(String message) {
      super(message);
    }
  }
}
