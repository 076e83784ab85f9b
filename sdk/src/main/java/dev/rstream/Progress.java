package dev.rstream;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a client is doing for its stream: the live cursor's connection and position, window fetches,
 * and reads retrying after transient failures. Immutable and thread-safe; {@link
 * RStreamClient#progress()} emits a new one on change.
 */
public final class Progress {
  /** The state of the shared live cursor. */
  public enum Live {
    /** No live subscriber: no connection. */
    IDLE,
    /** Catching up or opening the live read. */
    CONNECTING,
    /** Up to date and tailing. */
    CONNECTED,
    /** The connection failed transiently; retrying. Subscribers see nothing of it. */
    RECONNECTING,
    /** The cursor failed for good; the next live subscriber starts a new one. */
    FAILED,
    /**
     * The device has no network ({@link Connectivity#networkLost()}): no connection and no request
     * until it is back; live subscribers stay subscribed and see no error.
     */
    OFFLINE
  }

  private final Live live;
  private final @Nullable Offset liveOffset;
  private final int windowsPulling;
  private final int windowsCommitted;
  private final long messagesRead;
  private final int retryAttempt;
  private final @Nullable TransientException retryCause;

  /** Made through {@code Internal} by internal code, which checks the fields as it builds. */
  Progress(
      Live live,
      @Nullable Offset liveOffset,
      int windowsPulling,
      int windowsCommitted,
      long messagesRead,
      int retryAttempt,
      @Nullable TransientException retryCause) {
    this.live = live;
    this.liveOffset = liveOffset;
    this.windowsPulling = windowsPulling;
    this.windowsCommitted = windowsCommitted;
    this.messagesRead = messagesRead;
    this.retryAttempt = retryAttempt;
    this.retryCause = retryCause;
  }

  /** The live cursor's connection state. */
  public Live live() {
    return live;
  }

  /** The offset of the last message the live cursor applied, or null if it has none. */
  public @Nullable Offset liveOffset() {
    return liveOffset;
  }

  /** Windows being read now. */
  public int windowsPulling() {
    return windowsPulling;
  }

  /**
   * Windows committed (read completely) since the client was built, whether still held in memory or
   * dropped since by its {@linkplain RStreamClient.Builder#memoryBudget memory budget}.
   */
  public int windowsCommitted() {
    return windowsCommitted;
  }

  /** Messages read from the stream since the client was built (not counting the local store). */
  public long messagesRead() {
    return messagesRead;
  }

  /**
   * How many times in a row the read that failed last, and still retries, has failed: the live read
   * or a one-shot one (a window, the keyframe index). 0 when no read is retrying. Starts again at 0
   * once that read gets an answer.
   */
  public int retryAttempt() {
    return retryAttempt;
  }

  /**
   * Why that read retries: its last transient failure (network error, 5xx, 429, a body cut short),
   * as the {@link TransientException} it would end with should its retry policy give up. Null when
   * no read is retrying.
   */
  public @Nullable TransientException retryCause() {
    return retryCause;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof Progress)) return false;
    Progress that = (Progress) o;
    return live == that.live
        && Objects.equals(liveOffset, that.liveOffset)
        && windowsPulling == that.windowsPulling
        && windowsCommitted == that.windowsCommitted
        && messagesRead == that.messagesRead
        && retryAttempt == that.retryAttempt
        && retryCause == that.retryCause;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        live, liveOffset, windowsPulling, windowsCommitted, messagesRead, retryAttempt, retryCause);
  }

  @Override
  public String toString() {
    return "Progress{live="
        + live
        + ", liveOffset="
        + liveOffset
        + ", windowsPulling="
        + windowsPulling
        + ", windowsCommitted="
        + windowsCommitted
        + ", messagesRead="
        + messagesRead
        + (retryCause == null
            ? ""
            : ", retryAttempt=" + retryAttempt + ", retryCause=" + retryCause.getMessage())
        + "}";
  }
}
