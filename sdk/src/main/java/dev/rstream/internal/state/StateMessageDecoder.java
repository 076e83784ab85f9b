package dev.rstream.internal.state;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.rstream.Change;
import dev.rstream.Offset;
import dev.rstream.internal.Internal;
import dev.rstream.internal.http.BodyInputDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.time.DateTimeException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Decodes State Protocol messages straight from the streaming parser: no tree is built; {@code
 * value} and {@code old_value} are copied token by token into one reusable buffer and kept as
 * compact JSON text. Header strings that repeat from message to message (type, key, operation,
 * offset, timestamp) are compared in the parser's buffer rather than made into new Strings.
 *
 * <p>Anything that is not a well-formed change or control (not an object, missing {@code headers},
 * unknown operation or control, empty type or key, insert without value, bad timestamp or offset)
 * is rejected with a {@link NotStateMessageException} (a {@link JsonParseException}) carrying the
 * parser location and the message's position in its body, which the transport turns into a protocol
 * error: a message is never applied half-understood.
 *
 * <p>Not thread-safe: it reuses a buffer. Use one instance per read (reads call it on one thread).
 */
public final class StateMessageDecoder implements BodyInputDecoder<StateMessage> {
  private final Internal internal = Internal.instance();
  private final MessagePosition position = new MessagePosition();
  private final JsonValueCopier values = new JsonValueCopier(position::error);
  private final SharedStrings strings = new SharedStrings();
  private int decoded;
  private @Nullable JsonParser checkedParser;
  private @Nullable RawJsonInput checkedRaw;
  private @Nullable Offset lastOffset;
  private @Nullable String lastTimestampText;
  private @Nullable Instant lastTimestamp;

  public StateMessageDecoder() {}

  /** Values taken as the bytes sent (for tests: that the fast path is the one taken). */
  int rawValues() {
    return values.rawValues;
  }

  /** Keeps the bytes of the message being decoded, so values are taken as the bytes sent. */
  @Override
  public InputStream bodyInput(InputStream body) {
    return new RawJsonInput(body);
  }

  @Override
  public StateMessage decode(JsonParser parser) throws IOException {
    position.next(parser);
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      throw position.error(parser, "expected a JSON object, got " + describe(parser));
    }
    RawJsonInput raw = rawInput(parser);
    // Every 32 messages is often enough to bound what it keeps (a few KB of messages).
    if (raw != null && (++decoded & 31) == 0)
      raw.release(parser.currentTokenLocation().getByteOffset());
    String type = null;
    String key = null;
    String value = null;
    boolean hasValue = false;
    String oldValue = null;
    Headers headers = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken token = parser.nextToken();
      switch (field) {
        case "type":
          requireStringToken(parser, token, "type");
          type = strings.sharedType(parser);
          break;
        case "key":
          requireStringToken(parser, token, "key");
          key = strings.sharedKey(parser);
          break;
        case "value":
          hasValue = true;
          value = values.copyValue(parser, raw);
          break;
        case "old_value":
          oldValue = values.copyValue(parser, raw);
          break;
        case "headers":
          headers = readHeaders(parser, token);
          break;
        default:
          parser.skipChildren(); // unknown fields are allowed and ignored
      }
    }
    if (headers == null) throw position.error(parser, "message has no headers object");
    if (headers.control != null) {
      Control.Kind kind = Control.Kind.fromWireName(headers.control);
      if (kind == null) throw position.error(parser, "unknown control \"" + headers.control + "\"");
      position.accepted(headers.offset);
      Offset asOf = headers.asOf;
      if (asOf != null && kind == Control.Kind.SNAPSHOT_START) {
        return StateMessage.of(Control.snapshotStartAsOf(headers.offset, headers.timestamp, asOf));
      }
      return StateMessage.of(Control.of(kind, headers.offset, headers.timestamp));
    }
    if (headers.operation == null) {
      throw position.error(parser, "message has neither headers.operation nor headers.control");
    }
    Change.Operation operation = Change.Operation.fromWireName(headers.operation);
    if (operation == null)
      throw position.error(parser, "unknown operation \"" + headers.operation + "\"");
    if (type == null || type.isEmpty()) throw position.error(parser, "change has no type");
    if (key == null || key.isEmpty())
      throw position.error(parser, "change of type " + type + " has no key");
    if (!hasValue && operation != Change.Operation.DELETE) {
      throw position.error(parser, headers.operation + " of " + type + "/" + key + " has no value");
    }
    if (value != null && value.equals("null") && operation == Change.Operation.DELETE) {
      value = null; // a delete's "value": null and a missing value mean the same
    }
    position.accepted(headers.offset);
    // Every field was checked above, as Change.Builder would check it.
    return StateMessage.of(
        internal.trustedChange(
            operation,
            type,
            key,
            value,
            oldValue,
            headers.timestamp,
            headers.txid,
            headers.offset));
  }

  private static final class Headers {
    @Nullable String operation;
    @Nullable String control;
    @Nullable String txid;
    @Nullable Instant timestamp;
    @Nullable Offset offset;
    @Nullable Offset asOf;
  }

  private Headers readHeaders(JsonParser parser, JsonToken token) throws IOException {
    if (token != JsonToken.START_OBJECT) throw position.error(parser, "headers is not an object");
    Headers headers = new Headers();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken valueToken = parser.nextToken();
      switch (field) {
        case "operation":
          requireStringToken(parser, valueToken, "headers.operation");
          // The three wire names as constants: no String per message for them.
          if (SharedStrings.textEquals(parser, "insert")) headers.operation = "insert";
          else if (SharedStrings.textEquals(parser, "update")) headers.operation = "update";
          else if (SharedStrings.textEquals(parser, "delete")) headers.operation = "delete";
          else headers.operation = parser.getText();
          break;
        case "control":
          headers.control = requireString(parser, valueToken, "headers.control");
          break;
        case "txid":
          if (valueToken != JsonToken.VALUE_NULL) {
            headers.txid = requireString(parser, valueToken, "headers.txid");
            if (headers.txid.isEmpty()) headers.txid = null;
          }
          break;
        case "timestamp":
          if (valueToken != JsonToken.VALUE_NULL) {
            requireStringToken(parser, valueToken, "headers.timestamp");
            // Consecutive messages often share a timestamp: share the parsed Instant too.
            if (!SharedStrings.textEquals(parser, lastTimestampText)) {
              String text = parser.getText();
              lastTimestamp = parseTimestamp(parser, text);
              lastTimestampText = text;
            }
            headers.timestamp = lastTimestamp;
          }
          break;
        case "offset":
          if (valueToken != JsonToken.VALUE_NULL) {
            requireStringToken(parser, valueToken, "headers.offset");
            // All messages of one append unit carry the same offset: hold one Offset for them.
            Offset last = lastOffset;
            if (last != null && SharedStrings.textEquals(parser, last.value())) {
              headers.offset = last;
            } else {
              String offset = parser.getText();
              try {
                headers.offset = lastOffset = Offset.of(offset);
              } catch (IllegalArgumentException e) {
                throw position.error(parser, "bad headers.offset: " + e.getMessage());
              }
            }
          }
          break;
        case "asOf":
          if (valueToken != JsonToken.VALUE_NULL) {
            String asOf = requireString(parser, valueToken, "headers.asOf");
            try {
              headers.asOf = Offset.of(asOf);
            } catch (IllegalArgumentException e) {
              throw position.error(parser, "bad headers.asOf: " + e.getMessage());
            }
          }
          break;
        default:
          parser.skipChildren();
      }
    }
    return headers;
  }

  private Instant parseTimestamp(JsonParser parser, String text) throws JsonParseException {
    try {
      return Rfc3339.parse(text);
    } catch (DateTimeException e) {
      throw position.error(parser, "headers.timestamp is not RFC 3339: \"" + text + "\"");
    }
  }

  /**
   * The raw bytes of the body this parser reads, if it reads a {@link RawJsonInput} whose stream
   * offsets are the parser's (checked once per parser: the byte at the first message's offset must
   * be its '{'); else null, and values are copied token by token.
   */
  private @Nullable RawJsonInput rawInput(JsonParser parser) throws IOException {
    if (parser != checkedParser) {
      checkedParser = parser;
      checkedRaw = null;
      Object source = parser.getInputSource();
      if (source instanceof RawJsonInput) {
        RawJsonInput raw = (RawJsonInput) source;
        long at = parser.currentTokenLocation().getByteOffset();
        if (raw.holds(at, at + 1) && raw.buffer()[raw.index(at)] == '{') checkedRaw = raw;
      }
    }
    return checkedRaw;
  }

  private String requireString(JsonParser parser, @Nullable JsonToken token, String name)
      throws IOException {
    requireStringToken(parser, token, name);
    return parser.getText();
  }

  private void requireStringToken(JsonParser parser, @Nullable JsonToken token, String name)
      throws JsonParseException {
    if (token != JsonToken.VALUE_STRING) throw position.error(parser, name + " is not a string");
  }

  /** The value the parser is on, for an error: its kind, and its text if it is a short scalar. */
  private static String describe(JsonParser parser) throws IOException {
    JsonToken token = parser.currentToken();
    if (token == null) return "nothing";
    switch (token) {
      case START_ARRAY:
        return "an array";
      case VALUE_STRING:
        String text = parser.getText();
        return "the string \"" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\"";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "the number " + parser.getText();
      case VALUE_TRUE:
      case VALUE_FALSE:
      case VALUE_NULL:
        return token.asString();
      default:
        return token.toString();
    }
  }
}
