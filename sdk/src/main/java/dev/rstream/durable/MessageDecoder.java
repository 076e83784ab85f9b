package dev.rstream.durable;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.ProtocolException;
import java.io.IOException;
import java.io.StringWriter;

/**
 * Turns one message of a JSON stream into a value, straight from the streaming parser: no
 * intermediate text or tree unless the decoder builds one.
 *
 * <p>{@link #decode} is called with the parser positioned on the first token of one element of the
 * JSON array the server sent ({@code START_OBJECT}, {@code START_ARRAY} or a scalar) and must
 * consume exactly that element, leaving the parser on its last token. It is called on the thread
 * that reads the response, one message at a time.
 *
 * <p>A decoder reports a malformed message by throwing Jackson's {@code JsonProcessingException}
 * (for example {@code JsonParseException} or {@code JsonMappingException}): the read fails with a
 * {@link ProtocolException} and nothing of that response is delivered. Any other {@link
 * IOException} is taken for what the parser's input threw (the connection broke) and is retried
 * like a network failure. A {@link RuntimeException} fails the read as is.
 *
 * @param <T> the type of decoded messages.
 */
@FunctionalInterface
public interface MessageDecoder<T> {
  /** Decodes the element the parser is on. Must not return null. */
  T decode(JsonParser parser) throws IOException;

  /** A decoder that builds a Jackson tree for each message. */
  static MessageDecoder<JsonNode> jsonNode() {
    return JsonNodeDecoder.INSTANCE;
  }

  /**
   * A decoder that returns each message's JSON text, re-serialized compactly (insignificant
   * whitespace dropped, strings and numbers as sent).
   */
  static MessageDecoder<String> rawJson() {
    return RawJsonDecoder.INSTANCE;
  }
}

/** Shares one mapper: {@code ObjectMapper} is thread-safe once configured and costly to build. */
final class JsonNodeDecoder implements MessageDecoder<JsonNode> {
  static final JsonNodeDecoder INSTANCE = new JsonNodeDecoder();
  static final ObjectMapper MAPPER = new ObjectMapper();

  @Override
  public JsonNode decode(JsonParser parser) throws IOException {
    return MAPPER.readTree(parser);
  }
}

final class RawJsonDecoder implements MessageDecoder<String> {
  static final RawJsonDecoder INSTANCE = new RawJsonDecoder();

  @Override
  public String decode(JsonParser parser) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator generator = JsonNodeDecoder.MAPPER.getFactory().createGenerator(out)) {
      // Streams the element token by token: no tree is built for it.
      generator.copyCurrentStructure(parser);
    }
    return out.toString();
  }
}
