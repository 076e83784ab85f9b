package dev.rstream.internal.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.rstream.Change;
import dev.rstream.Offset;
import dev.rstream.internal.Internal;
import dev.rstream.internal.http.BodyInputDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
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
  private static final JsonFactory SLICES = new JsonFactory();
  private static final int MAX_TYPES = 1024;
  private static final int KEY_CACHE_SIZE = 4096; // a power of two

  private final TextBuffer buffer = new TextBuffer();
  private final Internal internal = Internal.instance();

  // Types repeat on every change: keep one String per type so held changes share it.
  private final Map<String, String> types = new HashMap<>();
  private @Nullable String lastType;
  // Changes to one entity repeat its key: held changes and the state share one String per key.
  // A direct-mapped cache rather than a map: a stream of ever-new keys just overwrites slots.
  private final String[] keys = new String[KEY_CACHE_SIZE];
  // Their hashes beside them: a miss (a new key) is then decided without reading the cached
  // String, which at a million keys is a cache miss of its own.
  private final int[] keyHashes = new int[KEY_CACHE_SIZE];

  /** Values taken as the bytes sent (for tests: that the fast path is the one taken). */
  int rawValues;

  private int decoded;
  // Where the message being decoded sits, for errors: the messagesInBody-th message a read from
  // where its response started returns, or, closer, the messagesSinceBoundary-th from `boundary`.
  // All messages of an append unit carry its end offset (docs/PROTOCOL.md section 2.1), so the end
  // of the unit before the last one seen returns that unit first, then the message after it.
  private @Nullable JsonParser countedParser;
  private int messagesInBody;
  private int messagesSinceBoundary;
  private @Nullable Offset boundary;
  private @Nullable Offset unitOffset;
  private boolean unitsUnknown; // a message without an offset: its unit cannot be told
  private @Nullable JsonParser checkedParser;
  private @Nullable RawJsonInput checkedRaw;
  private @Nullable Offset lastOffset;
  private @Nullable String lastTimestampText;
  private @Nullable Instant lastTimestamp;

  public StateMessageDecoder() {}

  /** Keeps the bytes of the message being decoded, so values are taken as the bytes sent. */
  @Override
  public InputStream bodyInput(InputStream body) {
    return new RawJsonInput(body);
  }

  @Override
  public StateMessage decode(JsonParser parser) throws IOException {
    if (parser != countedParser) {
      // A new response or SSE data event: positions in errors count from where its read started.
      countedParser = parser;
      messagesInBody = 0;
      messagesSinceBoundary = 0;
      boundary = null;
      unitOffset = null;
      unitsUnknown = false;
    }
    messagesInBody++;
    messagesSinceBoundary++;
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      throw error(parser, "expected a JSON object, got " + describe(parser));
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
          type = sharedType(parser);
          break;
        case "key":
          requireStringToken(parser, token, "key");
          key = sharedKey(parser);
          break;
        case "value":
          hasValue = true;
          value = copyValue(parser, raw);
          break;
        case "old_value":
          oldValue = copyValue(parser, raw);
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
      accepted(headers.offset);
      Offset asOf = headers.asOf;
      if (asOf != null && kind == Control.Kind.SNAPSHOT_START) {
        return StateMessage.of(Control.snapshotStartAsOf(headers.offset, headers.timestamp, asOf));
      }
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
    accepted(headers.offset);
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

  private String sharedType(JsonParser parser) throws IOException {
    String last = lastType;
    if (last != null && textEquals(parser, last)) return last;
    String type = parser.getText();
    String shared = types.get(type);
    if (shared == null) {
      if (types.size() >= MAX_TYPES) types.clear(); // bounded against a stream of ever-new types
      types.put(type, type);
      shared = type;
    }
    lastType = shared;
    return shared;
  }

  private String sharedKey(JsonParser parser) throws IOException {
    char[] chars = parser.getTextCharacters();
    int offset = parser.getTextOffset();
    int length = parser.getTextLength();
    int hash = 0;
    for (int i = offset, end = offset + length; i < end; i++) hash = 31 * hash + chars[i];
    int slot = (hash ^ (hash >>> 16)) & (KEY_CACHE_SIZE - 1);
    if (keyHashes[slot] == hash) {
      String cached = keys[slot];
      if (cached != null && regionEquals(cached, chars, offset, length)) return cached;
    }
    String key = new String(chars, offset, length);
    keys[slot] = key;
    keyHashes[slot] = hash;
    return key;
  }

  /** Whether the current token's text is {@code s}, without making a String of it. */
  private static boolean textEquals(JsonParser parser, @Nullable String s) throws IOException {
    if (s == null) return false;
    char[] chars = parser.getTextCharacters();
    return regionEquals(s, chars, parser.getTextOffset(), parser.getTextLength());
  }

  private static boolean regionEquals(String s, char[] chars, int offset, int length) {
    if (s.length() != length) return false;
    for (int i = 0; i < length; i++) {
      if (s.charAt(i) != chars[offset + i]) return false;
    }
    return true;
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
    if (token != JsonToken.START_OBJECT) throw error(parser, "headers is not an object");
    Headers headers = new Headers();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken valueToken = parser.nextToken();
      switch (field) {
        case "operation":
          requireStringToken(parser, valueToken, "headers.operation");
          // The three wire names as constants: no String per message for them.
          if (textEquals(parser, "insert")) headers.operation = "insert";
          else if (textEquals(parser, "update")) headers.operation = "update";
          else if (textEquals(parser, "delete")) headers.operation = "delete";
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
            if (!textEquals(parser, lastTimestampText)) {
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
            if (last != null && textEquals(parser, last.value())) {
              headers.offset = last;
            } else {
              String offset = parser.getText();
              try {
                headers.offset = lastOffset = Offset.of(offset);
              } catch (IllegalArgumentException e) {
                throw error(parser, "bad headers.offset: " + e.getMessage());
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
              throw error(parser, "bad headers.asOf: " + e.getMessage());
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
    if (n < 20
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':') {
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
    return Instant.ofEpochSecond(
        epochDay * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds, nanos);
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

  private Instant parseTimestamp(JsonParser parser, String text) throws JsonParseException {
    try {
      return parseTimestamp(text);
    } catch (DateTimeException e) {
      throw error(parser, "headers.timestamp is not RFC 3339: \"" + text + "\"");
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

  /**
   * The value the parser is on as compact JSON text. An object or array is skipped (the parser
   * checks it, without decoding its strings) and taken as the bytes sent when those are compact and
   * hold no escape, which is what a server writing compact JSON sends: the same text the token copy
   * would write, for one pass over its bytes. Anything else goes through {@link #copy}.
   */
  private String copyValue(JsonParser parser, @Nullable RawJsonInput raw) throws IOException {
    JsonToken token = parser.currentToken();
    if (raw == null || !token.isStructStart()) return copy(parser);
    long start = parser.currentTokenLocation().getByteOffset();
    parser.skipChildren();
    long end = parser.currentLocation().getByteOffset();
    if (!raw.holds(start, end)) {
      // Ours to fix, not the writer's: not reported as a message that is not State Protocol.
      throw new JsonParseException(parser, "value bytes at " + start + ".." + end + " not held");
    }
    byte[] bytes = raw.buffer();
    int from = raw.index(start);
    int to = raw.index(end);
    byte last = bytes[to - 1];
    if (bytes[from] != (token == JsonToken.START_OBJECT ? '{' : '[')
        || last != (token == JsonToken.START_OBJECT ? '}' : ']')) {
      throw new IllegalStateException("parser offsets do not match the body at " + start); // a bug
    }
    if (compactWithoutEscapes(bytes, from, to)) {
      rawValues++;
      return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }
    // Rare: whitespace or escapes to normalise. Its tokens are consumed; copy from its bytes.
    try (JsonParser again = SLICES.createParser(bytes, from, to - from)) {
      again.nextToken();
      return copy(again);
    }
  }

  private static boolean compactWithoutEscapes(byte[] bytes, int from, int to) {
    boolean inString = false;
    for (int i = from; i < to; i++) {
      byte b = bytes[i];
      if (b == '"') {
        inString = !inString;
      } else if (b == '\\') {
        return false;
      } else if (!inString && (b == ' ' || b == '\n' || b == '\r' || b == '\t')) {
        return false;
      }
    }
    return true;
  }

  /**
   * Copies the value the parser is on, compactly, with numbers exactly as sent (their text, not a
   * parsed double or BigDecimal) and strings escaped as Jackson's generator escapes them.
   *
   * <p>Written here rather than through {@code JsonGenerator.copyCurrentEventExact}: that parses
   * every decimal into a BigDecimal to write it back, and checks its write context per token; this
   * was a fifth of a catch-up's decoding time.
   */
  private String copy(JsonParser parser) throws IOException {
    TextBuffer out = buffer;
    int depth = 0;
    boolean comma = false; // whether the next element of the current container needs a ','
    do {
      JsonToken token = parser.currentToken();
      switch (token) {
        case START_OBJECT:
        case START_ARRAY:
          if (comma) out.write(',');
          out.write(token == JsonToken.START_OBJECT ? '{' : '[');
          depth++;
          comma = false;
          break;
        case END_OBJECT:
        case END_ARRAY:
          out.write(token == JsonToken.END_OBJECT ? '}' : ']');
          depth--;
          comma = true;
          break;
        case FIELD_NAME:
          if (comma) out.write(',');
          String name = parser.currentName();
          out.writeQuoted(name);
          out.write(':');
          comma = false;
          break;
        case VALUE_STRING:
          if (comma) out.write(',');
          out.writeQuoted(
              parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
          comma = true;
          break;
        case VALUE_NUMBER_INT:
        case VALUE_NUMBER_FLOAT:
          if (comma) out.write(',');
          // The number's text as parsed: "1.10" stays "1.10", "1e5" stays "1e5".
          out.write(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
          comma = true;
          break;
        case VALUE_TRUE:
        case VALUE_FALSE:
        case VALUE_NULL:
          if (comma) out.write(',');
          out.write(token.asString());
          comma = true;
          break;
        default:
          throw error(parser, "unexpected " + token + " in a value");
      }
    } while (depth > 0 && parser.nextToken() != null);
    return out.take();
  }

  /** A reusable char buffer. */
  private static final class TextBuffer {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private char[] chars = new char[256];
    private int length;

    private void ensure(int more) {
      if (length + more > chars.length) {
        chars = Arrays.copyOf(chars, Math.max(chars.length * 2, length + more));
      }
    }

    void write(char[] source, int offset, int count) {
      ensure(count);
      System.arraycopy(source, offset, chars, length, count);
      length += count;
    }

    void write(String source) {
      int count = source.length();
      ensure(count);
      source.getChars(0, count, chars, length);
      length += count;
    }

    void write(char c) {
      ensure(1);
      chars[length++] = c;
    }

    void writeQuoted(String text) {
      int count = text.length();
      ensure(count + 2);
      int start = length + 1;
      text.getChars(0, count, chars, start);
      // Copied first, then escaped only if needed: names rarely hold a character to escape.
      for (int i = start, end = start + count; i < end; i++) {
        if (needsEscape(chars[i])) {
          char[] copy = Arrays.copyOfRange(chars, start, end);
          writeQuoted(copy, 0, count);
          return;
        }
      }
      chars[length] = '"';
      chars[start + count] = '"';
      length = start + count + 1;
    }

    void writeQuoted(char[] source, int offset, int count) {
      ensure(count + 2);
      chars[length++] = '"';
      int end = offset + count;
      int run = offset; // start of the run of characters that need no escape
      for (int i = offset; i < end; i++) {
        char c = source[i];
        if (!needsEscape(c)) continue;
        write(source, run, i - run);
        escape(c);
        run = i + 1;
      }
      write(source, run, end - run);
      write('"');
    }

    private static boolean needsEscape(char c) {
      return c < 0x20 || c == '"' || c == '\\';
    }

    /** As Jackson's generator by default: a short escape where JSON has one, else a hex one. */
    private void escape(char c) {
      ensure(6);
      chars[length++] = '\\';
      switch (c) {
        case '"':
        case '\\':
          chars[length++] = c;
          return;
        case '\b':
          chars[length++] = 'b';
          return;
        case '\t':
          chars[length++] = 't';
          return;
        case '\n':
          chars[length++] = 'n';
          return;
        case '\f':
          chars[length++] = 'f';
          return;
        case '\r':
          chars[length++] = 'r';
          return;
        default:
          chars[length++] = 'u';
          chars[length++] = '0';
          chars[length++] = '0';
          chars[length++] = HEX[c >> 4];
          chars[length++] = HEX[c & 0xF];
      }
    }

    /** The text written since the last take, and empties the buffer. */
    String take() {
      String text = new String(chars, 0, length);
      length = 0;
      return text;
    }
  }

  private String requireString(JsonParser parser, @Nullable JsonToken token, String name)
      throws IOException {
    requireStringToken(parser, token, name);
    return parser.getText();
  }

  private void requireStringToken(JsonParser parser, @Nullable JsonToken token, String name)
      throws JsonParseException {
    if (token != JsonToken.VALUE_STRING) throw error(parser, name + " is not a string");
  }

  /** Moves the boundary errors count from past every unit before the one just decoded. */
  private void accepted(@Nullable Offset offset) {
    if (offset == null) {
      unitsUnknown = true; // a server that does not mark units: count from the response's start
      return;
    }
    if (!offset.equals(unitOffset)) {
      if (unitOffset != null) {
        boundary = unitOffset;
        messagesSinceBoundary = 1;
      }
      unitOffset = offset;
    }
  }

  private JsonParseException error(JsonParser parser, String message) {
    return unitsUnknown || boundary == null
        ? new NotStateMessageException(parser, message, null, messagesInBody)
        : new NotStateMessageException(parser, message, boundary, messagesSinceBoundary);
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
