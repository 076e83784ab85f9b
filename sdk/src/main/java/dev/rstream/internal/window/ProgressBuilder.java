package dev.rstream.internal.window;

import static java.util.Objects.requireNonNull;

import dev.rstream.Offset;
import dev.rstream.Progress;
import dev.rstream.TransientException;
import dev.rstream.internal.Internal;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link Progress}, which apps only read: its fields are checked as they are set, and the
 * result is made through {@link Internal}, which reads them back. Not thread-safe.
 */
public final class ProgressBuilder {
  private Progress.Live live = Progress.Live.IDLE;
  private @Nullable Offset liveOffset;
  private int windowsPulling;
  private int windowsCommitted;
  private long messagesRead;
  private int retryAttempt;
  private @Nullable TransientException retryCause;
  private Progress.@Nullable CatchUp catchUp;
  private long liveRebuilds;

  /** A builder for the idle state: no live cursor, nothing fetched. */
  public ProgressBuilder() {}

  /** A builder holding {@code progress}. */
  public ProgressBuilder(Progress progress) {
    live(progress.live())
        .liveOffset(progress.liveOffset())
        .windowsPulling(progress.windowsPulling())
        .windowsCommitted(progress.windowsCommitted())
        .messagesRead(progress.messagesRead())
        .retrying(progress.retryAttempt(), progress.retryCause())
        .catchUp(progress.catchUp())
        .liveRebuilds(progress.liveRebuilds());
  }

  /** Sets the catch-up in progress, or null for none. */
  public ProgressBuilder catchUp(Progress.@Nullable CatchUp catchUp) {
    this.catchUp = catchUp;
    return this;
  }

  /** The catch-up in progress, or null. */
  public Progress.@Nullable CatchUp catchUp() {
    return catchUp;
  }

  /** Sets the live cursor's state; {@link Progress.Live#IDLE} by default. */
  public ProgressBuilder live(Progress.Live live) {
    this.live = requireNonNull(live, "live == null");
    return this;
  }

  /** The live cursor's state. */
  public Progress.Live live() {
    return live;
  }

  /** Sets the live cursor's last applied offset, or null. */
  public ProgressBuilder liveOffset(@Nullable Offset liveOffset) {
    this.liveOffset = liveOffset;
    return this;
  }

  /** The live cursor's last applied offset, or null. */
  public @Nullable Offset liveOffset() {
    return liveOffset;
  }

  /** Sets the number of windows being read; not negative. */
  public ProgressBuilder windowsPulling(int windowsPulling) {
    if (windowsPulling < 0) throw new IllegalArgumentException("windowsPulling < 0");
    this.windowsPulling = windowsPulling;
    return this;
  }

  /** The number of windows being read. */
  public int windowsPulling() {
    return windowsPulling;
  }

  /** Sets the number of windows held completely; not negative. */
  public ProgressBuilder windowsCommitted(int windowsCommitted) {
    if (windowsCommitted < 0) throw new IllegalArgumentException("windowsCommitted < 0");
    this.windowsCommitted = windowsCommitted;
    return this;
  }

  /** The number of windows held completely. */
  public int windowsCommitted() {
    return windowsCommitted;
  }

  /** Sets the number of messages read; not negative. */
  public ProgressBuilder messagesRead(long messagesRead) {
    if (messagesRead < 0) throw new IllegalArgumentException("messagesRead < 0");
    this.messagesRead = messagesRead;
    return this;
  }

  /** The number of messages read. */
  public long messagesRead() {
    return messagesRead;
  }

  /**
   * Sets the read retrying: its failures in a row (at least 1) and the last one; or {@code 0} and
   * null when no read is retrying.
   *
   * @throws IllegalArgumentException if only one of the two says a read is retrying.
   */
  public ProgressBuilder retrying(int attempt, @Nullable TransientException cause) {
    if (attempt < 0) throw new IllegalArgumentException("attempt < 0");
    if ((attempt == 0) != (cause == null)) {
      throw new IllegalArgumentException("attempt " + attempt + " with cause " + cause);
    }
    this.retryAttempt = attempt;
    this.retryCause = cause;
    return this;
  }

  /** The failures in a row of the read retrying; 0 when none is. */
  public int retryAttempt() {
    return retryAttempt;
  }

  /** The last failure of the read retrying; null when none is. */
  public @Nullable TransientException retryCause() {
    return retryCause;
  }

  /** Sets the number of live rebuilds after a 410; not negative. */
  public ProgressBuilder liveRebuilds(long liveRebuilds) {
    if (liveRebuilds < 0) throw new IllegalArgumentException("liveRebuilds < 0");
    this.liveRebuilds = liveRebuilds;
    return this;
  }

  /** The number of live rebuilds. */
  public long liveRebuilds() {
    return liveRebuilds;
  }

  /** Returns the progress. */
  public Progress build() {
    return Internal.instance().progress(this);
  }
}
