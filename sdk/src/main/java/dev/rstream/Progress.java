package dev.rstream;

import static java.util.Objects.requireNonNull;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a client is doing for its stream: the live cursor's connection and position, window
 * fetches, and reads retrying after transient failures. Immutable and thread-safe; {@link
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
    FAILED
  }

  private final Live live;
  private final @Nullable Offset liveOffset;
  private final int windowsPulling;
  private final int windowsCommitted;
  private final long messagesRead;
  private final int retryAttempt;
  private final @Nullable TransientException retryCause;

  private Progress(Builder builder) {
    this.live = builder.live;
    this.liveOffset = builder.liveOffset;
    this.windowsPulling = builder.windowsPulling;
    this.windowsCommitted = builder.windowsCommitted;
    this.messagesRead = builder.messagesRead;
    this.retryAttempt = builder.retryAttempt;
    this.retryCause = builder.retryCause;
  }

  /** A builder for the idle state: no live cursor, nothing fetched. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this progress. */
  public Builder newBuilder() {
    return new Builder(this);
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

  /** Windows held completely. */
  public int windowsCommitted() {
    return windowsCommitted;
  }

  /** Messages read from the stream since the client was built (not counting the local store). */
  public long messagesRead() {
    return messagesRead;
  }

  /**
   * How many times in a row the read that failed last, and still retries, has failed: the live
   * read or a one-shot one (a window, the keyframe index). 0 when no read is retrying. Starts
   * again at 0 once that read gets an answer.
   */
  public int retryAttempt() {
    return retryAttempt;
  }

  /**
   * Why that read retries: its last transient failure (network error, 5xx, 429, a body cut
   * short), as the {@link TransientException} it would end with should its retry policy give
   * up. Null when no read is retrying.
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
    return Objects.hash(live, liveOffset, windowsPulling, windowsCommitted, messagesRead,
        retryAttempt, retryCause);
  }

  @Override
  public String toString() {
    return "Progress{live=" + live + ", liveOffset=" + liveOffset + ", windowsPulling="
        + windowsPulling + ", windowsCommitted=" + windowsCommitted + ", messagesRead="
        + messagesRead + (retryCause == null ? "" : ", retryAttempt=" + retryAttempt
        + ", retryCause=" + retryCause.getMessage()) + "}";
  }

  /** Builds a {@link Progress}. Not thread-safe. */
  public static final class Builder {
    private Live live = Live.IDLE;
    private @Nullable Offset liveOffset;
    private int windowsPulling;
    private int windowsCommitted;
    private long messagesRead;
    private int retryAttempt;
    private @Nullable TransientException retryCause;

    Builder() {}

    Builder(Progress progress) {
      this.live = progress.live;
      this.liveOffset = progress.liveOffset;
      this.windowsPulling = progress.windowsPulling;
      this.windowsCommitted = progress.windowsCommitted;
      this.messagesRead = progress.messagesRead;
      this.retryAttempt = progress.retryAttempt;
      this.retryCause = progress.retryCause;
    }

    /** Sets the live cursor's state; {@link Live#IDLE} by default. */
    public Builder live(Live live) {
      this.live = requireNonNull(live, "live == null");
      return this;
    }

    /** Sets the live cursor's last applied offset, or null. */
    public Builder liveOffset(@Nullable Offset liveOffset) {
      this.liveOffset = liveOffset;
      return this;
    }

    /** Sets the number of windows being read; not negative. */
    public Builder windowsPulling(int windowsPulling) {
      if (windowsPulling < 0) throw new IllegalArgumentException("windowsPulling < 0");
      this.windowsPulling = windowsPulling;
      return this;
    }

    /** Sets the number of windows held completely; not negative. */
    public Builder windowsCommitted(int windowsCommitted) {
      if (windowsCommitted < 0) throw new IllegalArgumentException("windowsCommitted < 0");
      this.windowsCommitted = windowsCommitted;
      return this;
    }

    /** Sets the number of messages read; not negative. */
    public Builder messagesRead(long messagesRead) {
      if (messagesRead < 0) throw new IllegalArgumentException("messagesRead < 0");
      this.messagesRead = messagesRead;
      return this;
    }

    /**
     * Sets the read retrying: its failures in a row (at least 1) and the last one; or {@code 0}
     * and null when no read is retrying.
     *
     * @throws IllegalArgumentException if only one of the two says a read is retrying.
     */
    public Builder retrying(int attempt, @Nullable TransientException cause) {
      if (attempt < 0) throw new IllegalArgumentException("attempt < 0");
      if ((attempt == 0) != (cause == null)) {
        throw new IllegalArgumentException("attempt " + attempt + " with cause " + cause);
      }
      this.retryAttempt = attempt;
      this.retryCause = cause;
      return this;
    }

    /** Returns the progress. */
    public Progress build() {
      return new Progress(this);
    }
  }
}
