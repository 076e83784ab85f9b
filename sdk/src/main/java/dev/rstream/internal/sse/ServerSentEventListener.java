package dev.rstream.internal.sse;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Receives what a {@link ServerSentEventReader} parses. Every method is called on the thread that
 * calls {@link ServerSentEventReader#processNextEvent()}, in stream order, never concurrently.
 */
public interface ServerSentEventListener {
  /**
   * One dispatched event.
   *
   * @param type the value of the last {@code event} field of this event, or {@code "message"} when
   *     there was none (or it was empty).
   * @param data the values of the event's {@code data} fields joined by LF (no trailing LF).
   * @param lastEventId the last event id in effect after this event, or null when none. It may come
   *     from an earlier event: ids stick until the server changes or clears them.
   * @throws IOException to abort parsing; it propagates out of {@code processNextEvent()}.
   */
  void onEvent(String type, String data, @Nullable String lastEventId) throws IOException;

  /**
   * A valid {@code retry} field (only ASCII digits, at least one), in milliseconds. Values too
   * large for a {@code long} are clamped to {@link Long#MAX_VALUE}. Invalid values are not
   * reported.
   */
  default void onRetry(long millis) {}

  /**
   * A comment line: the text after the leading ':', unmodified (a leading space is kept). Servers
   * send them as heartbeats; most listeners ignore the text.
   */
  default void onComment(String comment) {}
}
