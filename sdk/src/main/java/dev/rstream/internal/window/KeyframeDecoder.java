package dev.rstream.internal.window;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.internal.state.Rfc3339;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Decodes keyframe index messages (docs/PROTOCOL.md 3.4): {@code {"offset":A,"timestamp":RFC3339}},
 * plus {@code "keyframe":K} when the keyframe's position differs from its start offset {@code A} (a
 * keyframe written with {@code asOf}). An entry without {@code timestamp} is the initial, empty
 * keyframe: its time is {@link Instant#MIN}. Stateless.
 *
 * <p>{@link #INSTANCE} refuses an entry it cannot read with a {@code JsonParseException}, which
 * fails the whole read. The index is a hint (the stream rules), so index reads use {@link
 * #LENIENT}, which consumes any well-formed JSON element and reports what it could not read as an
 * {@link Entry} without a keyframe.
 */
public final class KeyframeDecoder implements MessageDecoder<Keyframe> {
  public static final KeyframeDecoder INSTANCE = new KeyframeDecoder();

  /** Decodes every well-formed element; an entry that is not a keyframe carries its problem. */
  public static final MessageDecoder<Entry> LENIENT = KeyframeDecoder::entry;

  /** One element of the index: a keyframe, or the reason it is not one. */
  public static final class Entry {
    private final @Nullable Keyframe keyframe;
    private final String problem;

    private Entry(@Nullable Keyframe keyframe, String problem) {
      this.keyframe = keyframe;
      this.problem = problem;
    }

    /** The keyframe, or null if the entry could not be read (see {@link #problem()}). */
    public @Nullable Keyframe keyframe() {
      return keyframe;
    }

    /** Why the entry is not a keyframe; empty when it is one. */
    public String problem() {
      return problem;
    }
  }

  @Override
  public Keyframe decode(JsonParser parser) throws IOException {
    Entry entry = entry(parser);
    Keyframe keyframe = entry.keyframe;
    if (keyframe == null) throw new JsonParseException(parser, entry.problem);
    return keyframe;
  }

  private static Entry entry(JsonParser parser) throws IOException {
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      parser.skipChildren();
      return new Entry(null, "keyframe index entry is not an object");
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
    if (offset == null) return new Entry(null, "keyframe index entry needs a string offset");
    try {
      Offset start = Offset.of(offset);
      // The window starts at A; a read from A meets the changes up to K, then the keyframe.
      if (position != null && Offset.of(position).compareTo(start) < 0) {
        throw new IllegalArgumentException(
            "keyframe " + position + " is before its asOf " + offset);
      }
      Instant time = timestamp == null ? Instant.MIN : Rfc3339.parse(timestamp);
      return new Entry(Keyframe.of(start, time), "");
    } catch (DateTimeException | IllegalArgumentException e) {
      return new Entry(null, "bad keyframe index entry: " + e.getMessage());
    }
  }
}
