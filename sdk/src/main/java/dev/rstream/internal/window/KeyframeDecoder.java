package dev.rstream.internal.window;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.rstream.Keyframe;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.Offset;
import dev.rstream.internal.state.StateMessageDecoder;
import java.io.IOException;
import java.time.Instant;
import java.time.DateTimeException;

/** Decodes keyframe index messages: {@code {"offset":O,"timestamp":RFC3339}}. Stateless. */
public final class KeyframeDecoder implements MessageDecoder<Keyframe> {
  public static final KeyframeDecoder INSTANCE = new KeyframeDecoder();

  @Override
  public Keyframe decode(JsonParser parser) throws IOException {
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      throw new JsonParseException(parser, "keyframe index entry is not an object");
    }
    String offset = null;
    String timestamp = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken token = parser.nextToken();
      if (field.equals("offset") && token == JsonToken.VALUE_STRING) {
        offset = parser.getText();
      } else if (field.equals("timestamp") && token == JsonToken.VALUE_STRING) {
        timestamp = parser.getText();
      } else {
        parser.skipChildren();
      }
    }
    if (offset == null || timestamp == null) {
      throw new JsonParseException(parser, "keyframe index entry needs string offset and timestamp");
    }
    try {
      Instant time = StateMessageDecoder.parseTimestamp(timestamp);
      return Keyframe.of(Offset.of(offset), time);
    } catch (DateTimeException | IllegalArgumentException e) {
      throw new JsonParseException(parser, "bad keyframe index entry: " + e.getMessage());
    }
  }
}
