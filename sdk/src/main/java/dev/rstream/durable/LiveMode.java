package dev.rstream.durable;

/** How a read behaves once it has caught up with the tail of the stream. */
public enum LiveMode {
  /**
   * Catch up until the server says the reader is up to date (or the stream is closed), then
   * complete.
   */
  OFF,
  /** Catch up, then wait for new data with long-poll requests ({@code live=long-poll}). */
  LONG_POLL,
  /** Catch up and tail with Server-Sent Events ({@code live=sse}). */
  SSE,
  /**
   * Server-Sent Events, falling back to long-poll for the rest of the read when SSE is not served
   * (a 4xx or a content type other than {@code text/event-stream}) or when something between the
   * client and the server buffers it (several SSE connections in a row that end quickly without
   * delivering any event).
   */
  AUTO
}
