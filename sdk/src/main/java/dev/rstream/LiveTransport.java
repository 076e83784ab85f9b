package dev.rstream;

/** How an {@link RStreamClient}'s live cursor waits for new data once it has caught up. */
public enum LiveTransport {
  /**
   * Server-Sent Events, falling back to long-poll for the rest of the connection when SSE is not
   * served (a 4xx or a content type other than {@code text/event-stream}) or when something between
   * the client and the server buffers it.
   */
  AUTO,
  /** Server-Sent Events ({@code live=sse}). */
  SSE,
  /** Long-poll requests ({@code live=long-poll}). */
  LONG_POLL
}
