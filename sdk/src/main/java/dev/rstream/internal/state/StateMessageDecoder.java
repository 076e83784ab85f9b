package dev.rstream.internal.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.rstream.Change;
import dev.rstream.Control;
import dev.rstream.MessageDecoder;
import dev.rstream.Offset;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Decodes State Protocol messages straight from the streaming parser: no tree is built; {@code
 * value} and {@code old_value} are copied token by token into one reusable writer and kept as
 * compact JSON text.
 *
 * <p>Anything that is not a well-formed change or control (missing {@code headers}, unknown
 * operation or control, empty type or key, insert without value, bad timestamp or offset) is
 * rejected with a {@link JsonParseException} carrying the parser location, which the transport
 * turns into a protocol error: a message is never applied half-understood.
 *
 * <p>Not thread-safe: it reuses a buffer. Use one instance per read (reads call it on one thread).
 */
public final class StateMessageDecoder implements MessageDecoder<StateMessage> {
  private static final JsonFactory JSON = new JsonFactory();

  private final StringWriter buffer = new StringWriter(256);
  private final JsonGenerator generator;
  private final TrustedChanges trusted = TrustedChanges.get();

  // Types repeat on every change: keep one String per type so held changes share it.
  private final Map<String, String> types = new HashMap<>();
  private @Nullable Offset lastOffset;
  private @Nullable String lastTimestampText;
  private @Nullable Instant lastTimestamp;

  public StateMessageDecoder() {
    try {
      generator = JSON.createGenerator(buffer);
    } catch (IOException e) {
      throw new AssertionError(e); // a StringWriter does not fail
    }
    // Values are written one after another as separate roots; no separator between them.
    generator.setRootValueSeparator(null);
  }

  @Override
  public StateMessage decode(JsonParser parser) throws IOException {
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      throw error(parser, "expected a State Protocol message (a JSON object), got " + parser.currentToken());
    }
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
          type = requireString(parser, token, "type");
          String shared = types.putIfAbsent(type, type);
          if (shared != null) type = shared;
          break;
        case "key":
          key = requireString(parser, token, "key");
          break;
        case "value":
          hasValue = true;
          value = copy(parser);
          break;
        case "old_value":
          oldValue = copy(parser);
          break;
        case "headers":
          headers = readHeaders(parser, token);
          break;
        default:
          parser.skipChildren(); // unknown fields are allowed and ignored
      }
    }
    if (headers == null) throw error(parser, "message has no headers object");
    if (headers.control != null) {
      Control.Kind kind = Control.Kind.fromWireName(headers.control);
      if (kind == null) throw error(parser, "unknown control \"" + headers.control + "\"");
      return StateMessage.of(Control.of(kind, headers.offset, headers.timestamp));
    }
    if (headers.operation == null) {
      throw error(parser, "message has neither headers.operation nor headers.control");
    }
    Change.Operation operation = Change.Operation.fromWireName(headers.operation);
    if (operation == null) throw error(parser, "unknown operation \"" + headers.operation + "\"");
    if (type == null || type.isEmpty()) throw error(parser, "change has no type");
    if (key == null || key.isEmpty()) throw error(parser, "change of type " + type + " has no key");
    if (!hasValue && operation != Change.Operation.DELETE) {
      throw error(parser, headers.operation + " of " + type + "/" + key + " has no value");
    }
    if (value != null && value.equals("null") && operation == Change.Operation.DELETE) {
      value = null; // a delete's "value": null and a missing value mean the same
    }
    Change.Builder builder =
        Change.builder()
            .operation(operation)
            .type(type)
            .key(key)
            .timestamp(headers.timestamp)
            .txid(headers.txid)
            .offset(headers.offset);
    return StateMessage.of(trusted.values(builder, value, oldValue).build());
  }

  private static final class Headers {
    @Nullable String operation;
    @Nullable String control;
    @Nullable String txid;
    @Nullable Instant timestamp;
    @Nullable Offset offset;
  }

  private Headers readHeaders(JsonParser parser, JsonToken token) throws IOException {
    if (token != JsonToken.START_OBJECT) throw error(parser, "headers is not an object");
    Headers headers = new Headers();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken valueToken = parser.nextToken();
      switch (field) {
        case "operation":
          headers.operation = requireString(parser, valueToken, "headers.operation");
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
            String text = requireString(parser, valueToken, "headers.timestamp");
            // Consecutive messages often share a timestamp: share the parsed Instant too.
            if (!text.equals(lastTimestampText)) {
              lastTimestamp = parseTimestamp(parser, text);
              lastTimestampText = text;
            }
            headers.timestamp = lastTimestamp;
          }
          break;
        case "offset":
          if (valueToken != JsonToken.VALUE_NULL) {
            String offset = requireString(parser, valueToken, "headers.offset");
            // All messages of one append unit carry the same offset: hold one Offset for them.
            Offset last = lastOffset;
            if (last != null && last.value().equals(offset)) {
              headers.offset = last;
            } else {
              try {
                headers.offset = lastOffset = Offset.of(offset);
              } catch (IllegalArgumentException e) {
                throw error(parser, "bad headers.offset: " + e.getMessage());
              }
            }
          }
          break;
        default:
          parser.skipChildren();
      }
    }
    return headers;
  }

  /** Parses an RFC 3339 timestamp ({@code Z} or a numeric offset). */
  public static Instant parseTimestamp(String text) {
    // Instant.parse accepts only 'Z' before Java 12; RFC 3339 also allows numeric offsets.
    return OffsetDateTime.parse(text).toInstant();
  }

  private static Instant parseTimestamp(JsonParser parser, String text) throws JsonParseException {
    try {
      return parseTimestamp(text);
    } catch (DateTimeParseException e) {
      throw error(parser, "headers.timestamp is not RFC 3339: \"" + text + "\"");
    }
  }

  /** Copies the value the parser is on, exactly as sent (numbers keep their text), compactly. */
  private String copy(JsonParser parser) throws IOException {
    int depth = 0;
    do {
      JsonToken token = parser.currentToken();
      generator.copyCurrentEventExact(parser);
      if (token.isStructStart()) {
        depth++;
      } else if (token.isStructEnd()) {
        depth--;
      }
    } while (depth > 0 && parser.nextToken() != null);
    generator.flush();
    StringBuffer out = buffer.getBuffer();
    String text = out.toString();
    out.setLength(0);
    return text;
  }

  private static String requireString(JsonParser parser, @Nullable JsonToken token, String name)
      throws IOException {
    if (token != JsonToken.VALUE_STRING) throw error(parser, name + " is not a string");
    return parser.getText();
  }

  private static JsonParseException error(JsonParser parser, String message) {
    return new JsonParseException(parser, "not a State Protocol message: " + message);
  }
}
