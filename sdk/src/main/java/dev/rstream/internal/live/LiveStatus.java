package dev.rstream.internal.live;

import dev.rstream.Offset;
import dev.rstream.Progress;
import dev.rstream.durable.ReadBatch;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.window.LiveCheckpoint;
import dev.rstream.internal.window.ProgressBoard;
import dev.rstream.internal.window.Window;
import org.jspecify.annotations.Nullable;

/**
 * What one {@link LiveSession} tells of its live connection: whether the read has caught up (and
 * subscribers with it), the live state in progress, the app's connection events ({@link
 * LiveConnectionEvents}), the checkpoint's connected flag, the catch-up ({@link LiveCatchUp}) and
 * the current run of failures ({@link ReadFailures}: progress, waiters and the event listener hear
 * of each one). Driven by the session; calls nothing back.
 *
 * <p>Locking: the session's lock guards {@code caughtUp} (volatile besides): every method that
 * reads or writes it runs under that lock, as its comment says. {@link #answered}, {@link #closed},
 * {@link #retrying} and {@link #failed} may run outside it: they use only {@link
 * LiveConnectionEvents} and {@link ReadFailures}, which lock themselves, and the session calls them
 * outside its lock where a waiter they fail, or a subscriber, may call back into the client.
 */
final class LiveStatus {
  private final UnitEmitter out;
  private final LiveCheckpoint checkpoint;
  private final ProgressBoard progress;
  private final LiveCatchUp catchUp;
  private final LiveConnectionEvents connection;
  private final ReadFailures failures;
  // Whether the read is up to date since it last fell behind; guarded by the session's lock.
  private volatile boolean caughtUp;

  LiveStatus(LiveReadSetup setup, UnitEmitter out, LiveWaiters waiters, LiveCatchUp catchUp) {
    this.connection = new LiveConnectionEvents(setup.events);
    this.failures =
        new ReadFailures(
            setup.source.url(), setup.progress, waiters, setup.scheduler, setup.events);
    this.out = out;
    this.checkpoint = setup.checkpoint;
    this.progress = setup.progress;
    this.catchUp = catchUp;
  }

  /** Whether the read has caught up since it last fell behind. Under the session's lock. */
  boolean caughtUp() {
    return caughtUp;
  }

  /** Progress shows the live connection {@code state}. */
  void live(Progress.Live state) {
    progress.update(p -> p.live(state));
  }

  /**
   * The server answered the read from {@code from}: the connection is open, a run of failures over.
   */
  void answered(Offset from) {
    connection.opened(from);
    failures.answered();
  }

  /**
   * {@code batch} was applied, leaving the read in {@code current} (if any), to resume from {@code
   * resumeOffset}: the first complete batch up to date catches the read up and shows subscribers
   * {@code current} as caught up; progress shows where the read stands. Under the session's lock.
   */
  void applied(ReadBatch<StateMessage> batch, @Nullable Window current, Offset resumeOffset) {
    if (!caughtUp && batch.upToDate() && !batch.partial()) {
      caughtUp = true;
      checkpoint.connected(true);
      if (current != null) out.emit(current.latest(), caughtUp);
    }
    Offset offset = current != null ? current.offset() : resumeOffset;
    // A hold cuts the read under the lock this batch is applied under: not held here.
    Progress.Live state = caughtUp ? Progress.Live.CONNECTED : Progress.Live.CONNECTING;
    progress.update(
        p ->
            p.live(state)
                .liveOffset(offset)
                .messagesRead(progress.current().messagesRead() + batch.messages().size()));
  }

  /**
   * The transport's retry reached the server: progress shows the read as it stood. Under the lock.
   */
  void recovered() {
    Progress.Live state = caughtUp ? Progress.Live.CONNECTED : Progress.Live.CONNECTING;
    live(state);
  }

  /**
   * The connection dropped: what the server appended meanwhile is unread until a read is up to date
   * again, which is flagged anew (even with no change, so that waiters see it), and every append
   * read until then is emitted so subscribers see no gap. Under the session's lock.
   */
  void fellBehind() {
    if (!caughtUp) return;
    caughtUp = false;
    out.fellBehind();
  }

  /**
   * The read is being tried again: it fell behind, and progress says it reconnects. Under the lock.
   */
  void reconnecting() {
    fellBehind();
    live(Progress.Live.RECONNECTING);
  }

  /** The session dropped the connection (to open another at once): closed, nobody wanting it. */
  void dropped() {
    connection.closed(null);
    checkpoint.connected(false);
  }

  /** A hold closed the connection: dropped, and no request for the tail while held. */
  void held() {
    dropped();
    catchUp.stopped();
  }

  /** The connection is gone for {@code cause} (null: nobody wants it). */
  void closed(@Nullable Throwable cause) {
    connection.closed(cause);
  }

  /**
   * The read met {@code gone} (a 410) and starts again from the stream's start: closed, not caught
   * up, and the catch-up over (the rebuilt read's offsets start again). Under the session's lock.
   */
  void rebuilding(Throwable gone) {
    connection.closed(gone);
    caughtUp = false;
    catchUp.stopped();
  }

  /**
   * The transport retries the read from {@code from} in {@code delayMillis} after {@code cause}:
   * the connection is closed for it, and the run of failures told.
   */
  void retrying(Throwable cause, Offset from, long delayMillis) {
    connection.closed(failures.transientOf(cause, from));
    failures.failed(cause, from, delayMillis);
  }

  /**
   * The read, or the index load, from {@code from} failed with {@code cause} and is tried again in
   * {@code delayMillis}: the run of failures told.
   */
  void failed(Throwable cause, Offset from, long delayMillis) {
    failures.failed(cause, from, delayMillis);
  }

  /** The session ended: closed, no catch-up, no run of failures, progress at {@code state}. */
  void ended(Progress.Live state) {
    connection.closed(null);
    checkpoint.stopped();
    catchUp.stopped();
    failures.ended();
    live(state);
  }
}
