package dev.rstream.internal.live;

import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.OffsetGoneException;
import dev.rstream.Progress;
import dev.rstream.ProtocolException;
import dev.rstream.TransientException;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.retry.Recovery;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.window.KeyframeIndex;
import dev.rstream.internal.window.MalformedStreamException;
import dev.rstream.internal.window.Window;
import dev.rstream.internal.window.WindowAssembler;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.disposables.SerialDisposable;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One connection's life, for {@link LiveCursor}: from the first subscriber to the last one leaving
 * (or a failure). Reads the stream live into the live window, keeps the checkpoint up to date, and
 * reconnects (or reloads the index) as its reconnect policy allows after the transport's retry
 * policy gave up. What subscribers see goes through {@link UnitEmitter}; what progress, the event
 * listener and waiters are told of the connection, through {@link LiveStatus}.
 *
 * <p>A batch is applied under this object's lock, and so are {@link #hold}, {@link #release},
 * {@link #reconnectNow} and {@link #stop}: once one of them returns, no batch of the read it cut is
 * applied any more, and the count of what a cut unit already applied is exact. The lock guards
 * {@code read}, {@code cut}, {@code reconnects}, the writes of {@code stopped} (volatile besides),
 * and the state of {@link LiveWindowReader}, {@link LiveRebuild} and {@link LiveStatus}'s {@code
 * caughtUp}; the session calls out of it where a waiter it fails, or a subscriber, may call back
 * into the client.
 */
final class LiveSession {
  // The cursor's logger: a session logs as the cursor it serves.
  private static final Logger log = Logger.getLogger(LiveCursor.class.getName());

  private final UnitEmitter out;
  private final LiveReadSetup setup;
  private final Scheduler scheduler;
  private final LiveWaiters waiters;
  private final LiveHolds holds;
  private final LiveStatus status;
  private final LiveWindowReader reader;
  private final LiveRebuild rebuild;
  private final SerialDisposable read = new SerialDisposable();
  // Whether a hold closed the read (or kept it from opening): release() opens it again.
  private boolean cut;
  // Reconnects and index reloads after the read gave up; reset by any batch.
  private final Recovery reconnects;
  private volatile boolean stopped;

  /**
   * A session of the cursor {@code setup} describes; {@code waiters}, {@code holds} and {@code
   * catchUp} are the cursor's.
   */
  LiveSession(
      UnitEmitter out,
      LiveReadSetup setup,
      LiveWaiters waiters,
      LiveHolds holds,
      LiveCatchUp catchUp) {
    this.out = out;
    this.setup = setup;
    this.scheduler = setup.scheduler;
    this.waiters = waiters;
    this.holds = holds;
    this.status = new LiveStatus(setup, out, waiters, catchUp);
    String url = setup.source.url();
    this.reader = new LiveWindowReader(url, out, setup.checkpoint, setup.events, catchUp);
    this.rebuild = new LiveRebuild(url, out, setup.checkpoint, setup.keyframes, setup.progress);
    this.reconnects = new Recovery(setup.reconnectPolicy);
  }

  /**
   * Opens the live read: from the live window the checkpoint holds, else from the index. While
   * held, no request until {@link #release()}, but subscribers are shown the live window the
   * checkpoint holds (an app started offline shows what it stored).
   */
  synchronized void start() {
    if (holds.held()) {
      Window held = setup.checkpoint.window();
      if (held != null) resume(held); // release() reads on from it
      hold();
      return;
    }
    open();
  }

  private void open() {
    status.live(Progress.Live.CONNECTING);
    Window held = rebuild.pending() ? null : setup.checkpoint.window();
    if (held != null) {
      resume(held);
      connect();
      return;
    }
    startFromIndex(setup.keyframes.index(), !rebuild.pending());
  }

  /** Continues the live window the checkpoint holds: nothing of it is read again. */
  private void resume(Window held) {
    reader.begin(WindowAssembler.resuming(held), held.offset());
    out.restart(held.latest(), false, setup.checkpoint.fromStore());
  }

  private void startFromIndex(Single<KeyframeIndex> index, boolean useHeld) {
    IndexLoad load = new IndexLoad(this, useHeld);
    read.set(load); // before subscribing: a synchronous source may call back at once
    index.subscribe(load);
  }

  synchronized void onIndex(IndexLoad load, KeyframeIndex index) {
    if (load.isDisposed() || stopped) return; // a hold or a reconnect replaced this load
    // Loading the index may have scanned the stream, and so read the live window.
    Window held = load.useHeld() ? setup.checkpoint.window() : null;
    if (held != null) resume(held);
    else startFrom(index);
    connect();
  }

  void onIndexError(IndexLoad load, Throwable e) {
    long delay;
    synchronized (this) {
      if (load.isDisposed() || stopped) return;
      // The index read gave up (one-shot reads are bounded); the cursor tries again as its
      // reconnect policy allows.
      delay = e instanceof TransientException ? nextReconnect() : -1;
      if (delay >= 0) {
        status.live(Progress.Live.RECONNECTING);
        after(delay, () -> startFromIndex(setup.keyframes.index(), load.useHeld()));
      }
    }
    if (delay < 0) fail(e);
    else status.failed(e, reader.resumeOffset(), delay);
  }

  /** The delay before the next reconnect or index reload, or -1 if the policy gives up. */
  private long nextReconnect() {
    return reconnects.onFailure(0, scheduler.now(TimeUnit.MILLISECONDS));
  }

  private void startFrom(KeyframeIndex index) {
    if (rebuild.pending()) {
      rebuild.startFrom(index, reader);
      return;
    }
    Keyframe last = index.last();
    if (last == null) {
      reader.begin(WindowAssembler.startingEmpty(Offset.START), Offset.START);
    } else {
      reader.begin(WindowAssembler.atKeyframe(last.offset()), last.offset());
    }
  }

  private synchronized void connect() {
    if (stopped) return;
    if (holds.held()) {
      hold();
      return;
    }
    ReadOptions options = setup.liveReadFrom(reader.resumeOffset());
    LiveRead live = new LiveRead(this);
    read.set(live); // before subscribing: a synchronous source may call back at once
    setup.source.read(options, live).subscribe(live);
  }

  /** Applies {@code batch} of {@code from}, unless a hold or a reconnect cut that read. */
  synchronized void onBatch(LiveRead from, ReadBatch<StateMessage> batch) {
    // Under the lock a hold takes: a batch is applied whole, or not at all once cut.
    if (from.isDisposed() || stopped) return;
    status.answered(reader.resumeOffset());
    rebuild.answered();
    LiveWindowReader.Applied applied;
    try {
      applied = reader.apply(batch, status.caughtUp());
    } catch (MalformedStreamException e) {
      String url = setup.source.url();
      fail(new ProtocolException(String.valueOf(e.getMessage()), url, e.offset(), 0, e));
      return;
    } catch (RuntimeException e) {
      // A bug of ours must reach subscribers, not unwind into the transport's thread.
      fail(e);
      return;
    }
    if (applied == LiveWindowReader.Applied.RESET) {
      connect(); // replaces (and so cancels) the read that carried the reset
      return;
    }
    if (applied == LiveWindowReader.Applied.MOVED) waiters.advanced();
    reconnects.onProgress();
    status.applied(batch, reader.current(), reader.resumeOffset());
  }

  /**
   * Closes the live connection if a hold asks for it (idempotent) and shows the hold in progress.
   * No batch of the closed read is applied after this returns.
   */
  synchronized void hold() {
    if (stopped || !holds.held()) return;
    if (!cut) {
      cut = true;
      read.set(Disposable.disposed()); // cancels the read, or the reconnect or load it waits on
      status.held();
    }
    status.live(holds.state());
  }

  /**
   * Once no hold is left, reopens the live connection at once (no backoff wait) from where the last
   * complete batch ended, re-reading a unit cut short and skipping what was applied of it.
   */
  synchronized void release() {
    if (stopped || !cut) return;
    if (holds.held()) {
      status.live(holds.state()); // another hold is left: say which
      return;
    }
    cut = false;
    reopenSoon();
  }

  /**
   * Drops the live read, even one that looks alive, and opens a new one at once: for a network that
   * changed, where the old socket may be dead without knowing it. Cancelling the call closes its
   * connection, so the new read opens another. Nothing while held (a release reopens anyway).
   */
  synchronized void reconnectNow() {
    if (stopped || cut || holds.held()) return;
    reconnects.onProgress(); // a new network starts a fresh run of reconnects
    read.set(Disposable.disposed());
    status.dropped();
    reopenSoon();
  }

  private void reopenSoon() {
    status.live(Progress.Live.CONNECTING);
    // On the scheduler, not the caller's thread (an app's main thread): reopening may read the
    // store.
    read.set(scheduler.scheduleDirect(this::reopen));
  }

  private synchronized void reopen() {
    if (stopped || cut) return;
    if (!reader.begun()) {
      open(); // cut before the index loaded: load it again
      return;
    }
    status.fellBehind();
    reader.cutUnit();
    connect();
  }

  /** The transport lost the connection and retries: invisible but for progress. */
  void onRetrying(Throwable cause, long delayMillis) {
    synchronized (this) {
      if (stopped || cut) return; // under hold()'s lock: a held cursor says why
      if (log.isLoggable(Level.FINE)) {
        String url = setup.source.url();
        log.log(Level.FINE, url + ": live read retrying in " + delayMillis + " ms", cause);
      }
      status.reconnecting();
    }
    // Outside the lock: a waiter it fails may call back into the client.
    status.retrying(cause, reader.resumeOffset(), delayMillis);
  }

  /** The server answers again; a batch, if any, follows and updates the rest of progress. */
  void onRecovered() {
    synchronized (this) {
      if (stopped || cut) return;
      status.recovered();
    }
    status.answered(reader.resumeOffset());
  }

  /** The read {@code failed} ended in {@code error}, unless a hold or a reconnect cut it. */
  void onReadError(Disposable failed, Throwable error) {
    Offset from;
    long delay = -1;
    synchronized (this) {
      if (stopped || failed.isDisposed()) return;
      if (error instanceof OffsetGoneException) {
        delay = rebuild.unanswered() ? nextReconnect() : 0;
        if (delay >= 0) {
          rebuild(error, delay);
          return;
        }
      } else if (error instanceof TransientException) {
        delay = reconnectLater(error);
      }
      from = delay < 0 ? null : reader.resumeOffset();
    }
    // Outside the lock: a waiter it fails, or a subscriber, may call back into the client.
    if (from == null) fail(error);
    else status.failed(error, from, delay);
  }

  /**
   * Rebuilds after the 410 {@code error}, reading again after {@code delay} ms; see {@link
   * LiveRebuild}.
   */
  private void rebuild(Throwable error, long delay) {
    status.rebuilding(error);
    reader.clear(); // a hold meanwhile reopens through open(): the rebuild again
    rebuild.begin(error);
    if (delay == 0) open();
    else after(delay, this::openUnlessCut);
  }

  private synchronized void openUnlessCut() {
    if (!stopped && !cut) open();
  }

  /** Schedules the next read as the reconnect policy allows: its delay, or -1 if it gives up. */
  private long reconnectLater(Throwable error) {
    long delay = nextReconnect();
    if (delay < 0) return -1;
    status.closed(error);
    log.log(
        Level.FINE,
        setup.source.url() + ": live read failed, reconnecting from " + reader.resumeOffset(),
        error);
    status.reconnecting();
    reader.cutUnit();
    after(delay, this::connect);
    return delay;
  }

  /** Runs {@code task} on the scheduler in {@code delayMillis}, as the session's next read. */
  private void after(long delayMillis, Runnable task) {
    read.set(scheduler.scheduleDirect(task, delayMillis, TimeUnit.MILLISECONDS));
  }

  /** {@code from} ended, unless a hold or a reconnect cut it. */
  void onReadComplete(LiveRead from) {
    synchronized (this) {
      if (from.isDisposed()) return;
    }
    // A live read completes only when the stream is closed: nothing more will come.
    if (end(Progress.Live.IDLE)) out.complete();
  }

  private void fail(Throwable error) {
    if (stopped) return;
    status.closed(error);
    if (end(Progress.Live.FAILED)) out.fail(error);
  }

  /** The last subscriber left: ends the read, quietly, once a batch being applied is. */
  void stop() {
    end(Progress.Live.IDLE);
  }

  /**
   * Ends the read, leaving progress at {@code state}; false if it had ended already (failed or
   * completed: progress already says so).
   */
  private synchronized boolean end(Progress.Live state) {
    if (stopped) return false;
    stopped = true;
    read.dispose();
    status.ended(state);
    return true;
  }
}
