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
import java.io.Writer;
import java.util.Arrays;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
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
  private static final int MAX_SHARED_KEYS = 4096;

  private final TextBuffer buffer = new TextBuffer();
  private final JsonGenerator generator;
  private final TrustedChanges trusted = TrustedChanges.get();

  // Types repeat on every change: keep one String per type so held changes share it.
  private final Map<String, String> types = new HashMap<>();
  private final Map<String, String> keys = new HashMap<>();
  private @Nullable Offset lastOffset;
  private @Nullable String lastTimestampText;
  private @Nullable Instant lastTimestamp;

  public StateMessageDecoder() {
    try {
      generator = JSON.createGenerator(buffer);
    } catch (IOException e) {
      throw new AssertionError(e); // an in-memory writer does not fail
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
          // Changes to one entity repeat its key: held changes share one String per key. Bounded,
          // and simply dropped when full, so a stream of ever-new keys costs nothing extra.
          String sharedKey = keys.putIfAbsent(key, key);
          if (sharedKey != null) key = sharedKey;
          else if (keys.size() > MAX_SHARED_KEYS) keys.clear();
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

  /**
   * Parses an RFC 3339 timestamp ({@code Z} or a numeric offset, any fraction of a second).
   *
   * @throws DateTimeException if {@code text} is not one.
   */
  public static Instant parseTimestamp(String text) {
    // Every change carries a timestamp, and java.time's formatter parse costs about as much as
    // decoding the rest of the message; the fixed RFC 3339 layout is parsed by hand, and anything
    // unusual goes to the formatter (Instant.parse takes only 'Z' before Java 12).
    Instant fast = parseRfc3339(text);
    return fast != null ? fast : OffsetDateTime.parse(text).toInstant();
  }

  private static @Nullable Instant parseRfc3339(String s) {
    int n = s.length();
    if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(13) != ':' || s.charAt(16) != ':') {
      return null;
    }
    char t = s.charAt(10);
    if (t != 'T' && t != 't') return null;
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    if ((year | month | day | hour | minute | second) < 0) return null;
    if (hour > 23 || minute > 59 || second > 59) return null;
    int i = 19;
    int nanos = 0;
    if (s.charAt(i) == '.') {
      int start = ++i;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        if (i - start < 9) nanos = nanos * 10 + (s.charAt(i) - '0');
        i++;
      }
      if (i == start) return null;
      for (int k = i - start; k < 9; k++) nanos *= 10;
    }
    if (i >= n) return null;
    char zone = s.charAt(i);
    int offsetSeconds;
    if ((zone == 'Z' || zone == 'z') && i + 1 == n) {
      offsetSeconds = 0;
    } else if ((zone == '+' || zone == '-') && i + 6 == n && s.charAt(i + 3) == ':') {
      int offsetHours = digits(s, i + 1, 2);
      int offsetMinutes = digits(s, i + 4, 2);
      if ((offsetHours | offsetMinutes) < 0 || offsetHours > 23 || offsetMinutes > 59) return null;
      offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (zone == '-' ? -1 : 1);
    } else {
      return null;
    }
    long epochDay = LocalDate.of(year, month, day).toEpochDay(); // validates the date
    return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds, nanos);
  }

  /** The decimal number in {@code s[from, from + count)}, or -1 if a char is not a digit. */
  private static int digits(String s, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') return -1;
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static Instant parseTimestamp(JsonParser parser, String text) throws JsonParseException {
    try {
      return parseTimestamp(text);
    } catch (DateTimeException e) {
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
    return buffer.take();
  }

  /** A reusable, unsynchronized writer (StringWriter locks a StringBuffer on every char). */
  private static final class TextBuffer extends Writer {
    private char[] chars = new char[256];
    private int length;

    @Override
    public void write(char[] source, int offset, int count) {
      if (length + count > chars.length) chars = Arrays.copyOf(chars, Math.max(chars.length * 2, length + count));
      System.arraycopy(source, offset, chars, length, count);
      length += count;
    }

    @Override
    public void write(String source, int offset, int count) {
      if (length + count > chars.length) chars = Arrays.copyOf(chars, Math.max(chars.length * 2, length + count));
      source.getChars(offset, offset + count, chars, length);
      length += count;
    }

    @Override
    public void write(int c) {
      if (length == chars.length) chars = Arrays.copyOf(chars, chars.length * 2);
      chars[length++] = (char) c;
    }

    /** The text written since the last take, and empties the buffer. */
    String take() {
      String text = new String(chars, 0, length);
      length = 0;
      return text;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
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
