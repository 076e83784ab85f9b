package dev.rstream.internal.outbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.rstream.Change;
import dev.rstream.internal.state.ChangeEncoder;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.state.StateMessageDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** An outbox entry's body: the JSON array of one append's changes, and back. */
final class OutboxBodies {
  private static final JsonFactory JSON = new JsonFactory();

  private OutboxBodies() {}

  static String encode(List<Change> changes) {
    return new String(ChangeEncoder.encode(changes), StandardCharsets.UTF_8);
  }

  /**
   * The changes of a stored body; empty if the store handed back something that is not one (the
   * entry is still sent as it is: the server judges it).
   */
  static List<Change> decode(String body) {
    List<Change> changes = new ArrayList<>();
    StateMessageDecoder decoder = new StateMessageDecoder();
    try (JsonParser parser = JSON.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_ARRAY) return changes;
      while (parser.nextToken() == JsonToken.START_OBJECT) {
        StateMessage message = decoder.decode(parser);
        Change change = message.change();
        if (change != null) changes.add(change);
      }
    } catch (IOException | RuntimeException e) {
      return new ArrayList<>();
    }
    return changes;
  }
}
