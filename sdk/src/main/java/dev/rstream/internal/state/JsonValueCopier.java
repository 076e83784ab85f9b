package dev.rstream.internal.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Copies the JSON value a parser is on as compact JSON text, numbers as sent: a change's {@code
 * value} and {@code old_value}, kept as text rather than a tree. Not thread-safe: it reuses a
 * buffer; one per {@link StateMessageDecoder}.
 */
final class JsonValueCopier {
  private static final JsonFactory SLICES = new JsonFactory();

  /** Makes the error for a value that is not JSON, placed as the decoder places its errors. */
  interface Errors {
    JsonParseException error(JsonParser parser, String message);
  }

  private final JsonTextBuffer buffer = new JsonTextBuffer();
  private final Errors errors;

  /** Values taken as the bytes sent (for tests: that the fast path is the one taken). */
  int rawValues;

  JsonValueCopier(Errors errors) {
    this.errors = errors;
  }

  /**
   * The value the parser is on as compact JSON text. An object or array is skipped (the parser
   * checks it, without decoding its strings) and taken as the bytes sent when those are compact and
   * hold no escape, which is what a server writing compact JSON sends: the same text the token copy
   * would write, for one pass over its bytes. Anything else goes through {@link #copy}.
   */
  String copyValue(JsonParser parser, @Nullable RawJsonInput raw) throws IOException {
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
   * <p>Written here rather than through {@code JsonGenerator.copyCurrentEventExact}, which parses
   * every decimal into a BigDecimal to write it back and checks its write context per token: this
   * copies each token's text once.
   */
  private String copy(JsonParser parser) throws IOException {
    JsonTextBuffer out = buffer;
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
          throw errors.error(parser, "unexpected " + token + " in a value");
      }
    } while (depth > 0 && parser.nextToken() != null);
    return out.take();
  }
}
