package dev.rstream.internal.state;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import dev.rstream.Offset;
import org.jspecify.annotations.Nullable;

/**
 * Where the message a {@link StateMessageDecoder} decodes sits, for its errors: the
 * messagesInBody-th message a read from where its response started returns, or, closer, the
 * messagesSinceBoundary-th from {@code boundary}. All messages of an append unit carry its end
 * offset (docs/PROTOCOL.md section 2.1), so the end of the unit before the last one seen returns
 * that unit first, then the message after it. Not thread-safe; one per decoder.
 */
final class MessagePosition {
  private @Nullable JsonParser countedParser;
  private int messagesInBody;
  private int messagesSinceBoundary;
  private @Nullable Offset boundary;
  private @Nullable Offset unitOffset;
  private boolean unitsUnknown; // a message without an offset: its unit cannot be told

  /** A message starts on {@code parser}. */
  void next(JsonParser parser) {
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
  }

  /** Moves the boundary errors count from past every unit before the one just decoded. */
  void accepted(@Nullable Offset offset) {
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

  JsonParseException error(JsonParser parser, String message) {
    return unitsUnknown || boundary == null
        ? new NotStateMessageException(parser, message, null, messagesInBody)
        : new NotStateMessageException(parser, message, boundary, messagesSinceBoundary);
  }
}
