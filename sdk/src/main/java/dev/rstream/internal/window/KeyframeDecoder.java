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

/**
 * Decodes keyframe index messages (docs/PROTOCOL.md 3.4): {@code {"offset":A,"timestamp":RFC3339}},
 * plus {@code "keyframe":K} when the keyframe's position differs from its start offset {@code A}
 * (a keyframe written with {@code asOf}). An entry without {@code timestamp} is the initial, empty
 * keyframe: its time is {@link Instant#MIN}. Stateless.
 */
public final class KeyframeDecoder implements MessageDecoder<Keyframe> {
  public static final KeyframeDecoder INSTANCE = new KeyframeDecoder();

  @Override
  public Keyframe decode(JsonParser parser) throws IOException {
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      throw new JsonParseException(parser, "keyframe index entry is not an object");
    }
    String offset = null;
    String timestamp = null;
    String position = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken token = parser.nextToken();
      if (field.equals("offset") && token == JsonToken.VALUE_STRING) {
        offset = parser.getText();
      } else if (field.equals("timestamp") && token == JsonToken.VALUE_STRING) {
        timestamp = parser.getText();
      } else if (field.equals("keyframe") && token == JsonToken.VALUE_STRING) {
        position = parser.getText();
      } else {
        parser.skipChildren();
      }
    }
    if (offset == null) {
      throw new JsonParseException(parser, "keyframe index entry needs a string offset");
    }
    try {
      Offset start = Offset.of(offset);
      // The window starts at A; a read from A meets the changes up to K, then the keyframe.
      if (position != null && Offset.of(position).compareTo(start) < 0) {
        throw new IllegalArgumentException("keyframe " + position + " is before its asOf " + offset);
      }
      Instant time = timestamp == null ? Instant.MIN : StateMessageDecoder.parseTimestamp(timestamp);
      return Keyframe.of(start, time);
    } catch (DateTimeException | IllegalArgumentException e) {
      throw new JsonParseException(parser, "bad keyframe index entry: " + e.getMessage());
    }
  }
}
