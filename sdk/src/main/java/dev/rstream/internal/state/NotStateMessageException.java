package dev.rstream.internal.state;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import dev.rstream.Offset;
import org.jspecify.annotations.Nullable;

/**
 * A well-formed JSON message that is not a State Protocol change or control. A {@link
 * JsonParseException}, as the transport expects of a decoder that rejects a message; the state
 * reader tells it from malformed JSON by this type and reports the stream as not a state stream.
 */
public final class NotStateMessageException extends JsonParseException {
  private static final long serialVersionUID = 1L;

  private final @Nullable Offset from;
  private final int message;
  private final String reason;

  NotStateMessageException(JsonParser parser, String reason, @Nullable Offset from, int message) {
    super(parser, "not a State Protocol message: " + reason);
    this.reason = reason;
    this.from = from;
    this.message = message;
  }

  /**
   * An offset a read from which returns the message as its {@link #message()}-th; null when that is
   * the offset the read of the response (or SSE data event) started from, which the decoder does
   * not know.
   */
  public @Nullable Offset from() {
    return from;
  }

  /** The message's position, from 1, among those a read from {@link #from()} returns. */
  public int message() {
    return message;
  }

  /** What is wrong with the message, without the "not a State Protocol message" prefix. */
  public String reason() {
    return reason;
  }
}
