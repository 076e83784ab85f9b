package dev.rstream;

import java.io.IOException;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * Hears what an {@link RStreamClient} does, for metrics and logs: its HTTP requests with their
 * bytes, the live connection opening and closing and why, retries and their delays, window state
 * changes, local store hits and misses, and keyframes the live cursor applies. Set one with {@link
 * RStreamClient.Builder#eventListener}; every method does nothing unless overridden, and {@link
 * #NONE} overrides none.
 *
 * <p><b>Threading.</b> Methods are called on the client's own threads (the I/O scheduler, OkHttp's
 * dispatcher, the thread that changed a window), synchronously, possibly from several threads at
 * once, while the client holds no lock of its own but may be in the middle of its work: return
 * quickly, never block, never call back into the client, and make the listener thread-safe. A
 * listener that throws is a bug; what it throws reaches the thread that called it.
 *
 * <p><b>Cost.</b> With {@link #NONE} (the default) nothing is computed for it: no event object is
 * built and no HTTP call is wrapped. With a listener, each event costs a call.
 *
 * <p>The outbox of {@link RStreamClient#append} (durable or in memory) reports its flushes and the
 * retries of its sends: {@link #outboxFlushed}, {@link #outboxRetryScheduled}.
 */
public abstract class RStreamEventListener {
  /** A listener that hears nothing: the default. */
  public static final RStreamEventListener NONE = new RStreamEventListener() {};

  /** Subclasses override the events they want. */
  protected RStreamEventListener() {}

  /** What the client asked its {@link LocalStore} for. */
  public enum StoreItem {
    /** A committed window, by its id ({@link WindowInfo#id()}). */
    WINDOW,
    /** The live window kept at the last session's end, to resume from. */
    LIVE_WINDOW
  }

  /**
   * An HTTP request of this client starts (a catch-up or live read, an append, a HEAD, the keyframe
   * index). Called on the thread that executes it. One {@link #requestEnd} or {@link
   * #requestFailed} follows.
   */
  public void requestStart(Request request) {}

  /**
   * An HTTP request ended with an answer whose body was read whole (or closed): {@code status}, the
   * bytes of the request body sent and of the response body received (0 where none). For an SSE
   * read this is when its connection ends.
   */
  public void requestEnd(Request request, int status, long bytesSent, long bytesReceived) {}

  /**
   * An HTTP request failed: the network, a body cut short, or a cancel ({@code cause}), after
   * {@code bytesSent} and {@code bytesReceived} of the bodies. Whether it is retried is told by
   * {@link #retryScheduled}.
   */
  public void requestFailed(
      Request request, long bytesSent, long bytesReceived, IOException cause) {}

  /**
   * The live connection is open: the server answered the live read, which resumes from {@code
   * from}. Called once per connection, before the first state it delivers.
   */
  public void liveConnectionOpened(Offset from) {}

  /**
   * The live connection closed: {@code cause} is why (a {@link TransientException} when it will be
   * retried, see {@link #retryScheduled}; another {@link RStreamException} when live subscribers
   * fail), null when it closed because nobody listens any more, the app paused it, or the client
   * closed.
   */
  public void liveConnectionClosed(@Nullable Throwable cause) {}

  /**
   * A read failed transiently and is tried again in {@code delayMillis}: a window or index read,
   * the live read, or the live cursor's reconnect after its read gave up. {@code attempt} counts
   * the failures in a row of that read, from 1.
   */
  public void retryScheduled(long delayMillis, int attempt, TransientException cause) {}

  /**
   * A window changed state or was first seen: {@code window} as it is now ({@link
   * WindowInfo#state()}). Called on the thread that changed it, in order for each window.
   */
  public void windowStateChanged(WindowInfo window) {}

  /**
   * The local store held what the client asked for, so it was not read from the server: a committed
   * window ({@code id} its id) or the live window to resume from ({@code id} its id). Not called
   * when the client has no store.
   */
  public void storeHit(StoreItem item, String id) {}

  /**
   * The local store did not hold what the client asked for (or could not read it): it is read from
   * the server. {@code id} as in {@link #storeHit}, the stream's URL for a live window. Not called
   * when the client has no store.
   */
  public void storeMiss(StoreItem item, String id) {}

  /**
   * The live cursor applied {@code keyframe}: its state replaced the live state and a new live
   * window began (the first one of a session included).
   */
  public void keyframeApplied(Keyframe keyframe) {}

  /**
   * The outbox is empty again: since it last was, the server acknowledged {@code acknowledged}
   * appends and refused {@code rejected} for good. Called once per flush (a run of sends that
   * empties the outbox, such as the one after reconnecting), on the transport's I/O thread, after
   * the last append's answer.
   */
  public void outboxFlushed(int acknowledged, int rejected) {}

  /**
   * Sending the outbox's first append failed transiently: {@code attempt} counts the failures in a
   * row, from 1; it is tried again in {@code delayMillis}, or, when {@code delayMillis} is -1 (the
   * retry policy gave up), at the next sign of the network ({@link RStreamClient#resume()}, a
   * successful read). Called on the thread that saw the failure.
   */
  public void outboxRetryScheduled(long delayMillis, int attempt, Throwable cause) {}
}
