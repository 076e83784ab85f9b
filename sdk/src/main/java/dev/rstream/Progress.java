package dev.rstream;

import dev.rstream.internal.window.ProgressBuilder;
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

  /**
   * How far a read of a known stretch of the stream has come: the windows of the keyframe index it
   * covers and, where the server's offsets are byte positions (server-stub's are), its bytes.
   * Immutable and thread-safe. Several reads at once add up.
   */
  public static final class CatchUp {
    private final int windowsDone;
    private final int windowsTotal;
    private final long bytesDone;
    private final long bytesTotal;

    private CatchUp(int windowsDone, int windowsTotal, long bytesDone, long bytesTotal) {
      this.windowsDone = windowsDone;
      this.windowsTotal = windowsTotal;
      this.bytesDone = bytesDone;
      this.bytesTotal = bytesTotal;
    }

    /**
     * Returns a catch-up with these counts.
     *
     * @param bytesDone bytes read so far, or -1 if unknown.
     * @param bytesTotal bytes to read, or -1 if unknown.
     * @throws IllegalArgumentException if a count is negative (but for an unknown -1), or done is
     *     more than total.
     */
    public static CatchUp of(int windowsDone, int windowsTotal, long bytesDone, long bytesTotal) {
      if (windowsDone < 0 || windowsDone > windowsTotal) {
        throw new IllegalArgumentException("windows " + windowsDone + " of " + windowsTotal);
      }
      if (bytesTotal < -1 || bytesDone < -1 || (bytesTotal >= 0 && bytesDone > bytesTotal)) {
        throw new IllegalArgumentException("bytes " + bytesDone + " of " + bytesTotal);
      }
      return new CatchUp(windowsDone, windowsTotal, bytesDone, bytesTotal);
    }

    /** Windows read so far: held, from the store or from the server. */
    public int windowsDone() {
      return windowsDone;
    }

    /**
     * Windows to read, the live window counted as one; may grow while the read runs (a keyframe
     * written meanwhile starts one more).
     */
    public int windowsTotal() {
      return windowsTotal;
    }

    /** Bytes of the stream read so far, or -1 if the server's offsets do not tell. */
    public long bytesDone() {
      return bytesDone;
    }

    /**
     * Bytes of the stream to read: the distance between the offsets the read starts and ends at,
     * where offsets are byte positions (server-stub's are); -1 if they are not, or the end is not
     * known yet.
     */
    public long bytesTotal() {
      return bytesTotal;
    }

    /**
     * The share done, from 0 to 1: by bytes where both are known, else by windows; 0 with nothing
     * to do yet.
     */
    public double fraction() {
      if (bytesTotal > 0 && bytesDone >= 0) return (double) bytesDone / bytesTotal;
      return windowsTotal == 0 ? 0 : (double) windowsDone / windowsTotal;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      if (!(o instanceof CatchUp)) return false;
      CatchUp that = (CatchUp) o;
      return windowsDone == that.windowsDone
          && windowsTotal == that.windowsTotal
          && bytesDone == that.bytesDone
          && bytesTotal == that.bytesTotal;
    }

    @Override
    public int hashCode() {
      return Objects.hash(windowsDone, windowsTotal, bytesDone, bytesTotal);
    }

    @Override
    public String toString() {
      return "CatchUp{windows "
          + windowsDone
          + "/"
          + windowsTotal
          + ", bytes "
          + bytesDone
          + "/"
          + bytesTotal
          + "}";
    }
  }

  private final Live live;
  private final @Nullable Offset liveOffset;
  private final int windowsPulling;
  private final int windowsCommitted;
  private final long messagesRead;
  private final int retryAttempt;
  private final @Nullable TransientException retryCause;
  private final @Nullable CatchUp catchUp;
  private final long liveRebuilds;

  /** Made through {@code Internal} by internal code, whose builder checks the fields as it goes. */
  Progress(ProgressBuilder builder) {
    this.live = builder.live();
    this.liveOffset = builder.liveOffset();
    this.windowsPulling = builder.windowsPulling();
    this.windowsCommitted = builder.windowsCommitted();
    this.messagesRead = builder.messagesRead();
    this.retryAttempt = builder.retryAttempt();
    this.retryCause = builder.retryCause();
    this.catchUp = builder.catchUp();
    this.liveRebuilds = builder.liveRebuilds();
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

  /**
   * How far the reads of known stretches of the stream have come, added up; null when none runs. A
   * {@link RStreamClient#changes changes(from, to)} reads the windows of the keyframe index from
   * {@code from} to {@code to}; a {@link RStreamClient#state()} (and a {@link RStreamClient#window}
   * for a past time in the live window) reads the live window up to the tail the server gave it.
   * {@link RStreamClient#live()} alone reports the live cursor's catch-up once an answer of its
   * read says the server holds more than it brought: the cursor then asks for the tail (a HEAD,
   * once per catch-up) and counts the windows of the index and the bytes up to it; a catch-up that
   * ends in one answer shows none. Done reaches total as they end.
   */
  public @Nullable CatchUp catchUp() {
    return catchUp;
  }

  /**
   * How many times the live cursor has rebuilt its state since the client was built, because the
   * server answered 410 {@code offset_gone} for the offset it would read from (retention dropped
   * it, or the stream was deleted and created again). Each rebuild drops what the cursor held and
   * reads again from the oldest keyframe the server still serves; subscribers that were shown a
   * state get that keyframe's state and every change after it exactly once, others the state once
   * caught up; what the server dropped is not seen. The first view each live subscriber gets after
   * a rebuild says so ({@link StateView#rebuilt()}).
   */
  public long liveRebuilds() {
    return liveRebuilds;
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
        && retryCause == that.retryCause
        && Objects.equals(catchUp, that.catchUp)
        && liveRebuilds == that.liveRebuilds;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        live,
        liveOffset,
        windowsPulling,
        windowsCommitted,
        messagesRead,
        retryAttempt,
        retryCause,
        catchUp,
        liveRebuilds);
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
        + (catchUp == null ? "" : ", catchUp=" + catchUp)
        + (liveRebuilds == 0 ? "" : ", liveRebuilds=" + liveRebuilds)
        + "}";
  }
}
