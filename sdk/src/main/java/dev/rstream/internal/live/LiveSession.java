package dev.rstream.internal.live;

import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.OffsetGoneException;
import dev.rstream.Progress;
import dev.rstream.ProtocolException;
import dev.rstream.RStreamEventListener;
import dev.rstream.RetryPolicy;
import dev.rstream.TransientException;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.http.RetryListener;
import dev.rstream.internal.retry.Recovery;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.window.KeyframeIndex;
import dev.rstream.internal.window.KeyframeIndexLoader;
import dev.rstream.internal.window.LiveCheckpoint;
import dev.rstream.internal.window.MalformedStreamException;
import dev.rstream.internal.window.ProgressBoard;
import dev.rstream.internal.window.StreamSource;
import dev.rstream.internal.window.Window;
import dev.rstream.internal.window.WindowAssembler;
import dev.rstream.internal.window.WindowPoint;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.disposables.SerialDisposable;
import io.reactivex.rxjava3.observers.DisposableSingleObserver;
import io.reactivex.rxjava3.subscribers.DisposableSubscriber;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * One connection's life, for {@link LiveCursor}: from the first subscriber to the last one leaving
 * (or a failure). Reads the stream live into the live window, keeps the checkpoint and progress up
 * to date, and reconnects (or reloads the index) as its reconnect policy allows after the
 * transport's retry policy gave up. What subscribers see goes through {@link UnitEmitter}.
 *
 * <p>A batch is applied under this object's lock, and so are {@link #hold}, {@link #release},
 * {@link #reconnectNow} and {@link #stop}: once one of them returns, no batch of the read it cut is
 * applied any more, and the count of what a cut unit already applied is exact.
 */
final class LiveSession {
  // The cursor's logger: a session logs as the cursor it serves.
  private static final Logger log = Logger.getLogger(LiveCursor.class.getName());

  private final UnitEmitter out;
  private final StreamSource source;
  private final LiveCheckpoint checkpoint;
  private final KeyframeIndexLoader keyframes;
  private final ProgressBoard progress;
  private final Scheduler scheduler;
  private final LiveMode liveMode;
  private final long liveReadTimeoutMillis;
  private final LiveWaiters waiters;
  private final ReadFailures failures;
  private final LiveHolds holds;
  private final RStreamEventListener events;
  private final LiveConnectionEvents connection;
  private final SerialDisposable read = new SerialDisposable();
  private @Nullable WindowAssembler assembler;
  private Offset resumeOffset = Offset.START;
  // Messages read past resumeOffset (applied or skipped) from responses whose end we have not
  // seen, and how many of the next read's messages to skip: after a cut, the read from
  // resumeOffset skips all that was read past it, however many cuts came in between.
  private int readSinceBoundary;
  private int skip;
  // Whether a hold closed the read (or kept it from opening): release() opens it again.
  private boolean cut;
  private volatile boolean caughtUp;
  // Whether the next start from the index is a rebuild's after a 410: from the stream's start.
  private boolean rebuilding;
  // Whether the last rebuild after a 410 has had no batch yet: a 410 again then goes through the
  // reconnect policy, so that a server that answers 410 to every read is not read in a loop.
  private boolean rebuildUnanswered;
  // Reconnects and index reloads after the read gave up; reset by any batch.
  private final Recovery reconnects;
  private volatile boolean stopped;

  LiveSession(
      UnitEmitter out,
      StreamSource source,
      LiveCheckpoint checkpoint,
      KeyframeIndexLoader keyframes,
      ProgressBoard progress,
      Scheduler scheduler,
      LiveMode liveMode,
      long liveReadTimeoutMillis,
      RetryPolicy reconnectPolicy,
      LiveWaiters waiters,
      LiveHolds holds,
      RStreamEventListener events) {
    this.out = out;
    this.source = source;
    this.checkpoint = checkpoint;
    this.keyframes = keyframes;
    this.progress = progress;
    this.scheduler = scheduler;
    this.liveMode = liveMode;
    this.liveReadTimeoutMillis = liveReadTimeoutMillis;
    this.reconnects = new Recovery(reconnectPolicy);
    this.waiters = waiters;
    this.failures = new ReadFailures(source.url(), progress, waiters, scheduler, events);
    this.holds = holds;
    this.events = events;
    this.connection = new LiveConnectionEvents(events);
  }

  /**
   * Opens the live read: from the live window the checkpoint holds, else from the index. While
   * held, no request until {@link #release()}, but subscribers are shown the live window the
   * checkpoint holds (an app started offline shows what it stored).
   */
  synchronized void start() {
    if (holds.held()) {
      Window held = checkpoint.window();
      if (held != null) resume(held); // release() reads on from it
      hold();
      return;
    }
    open();
  }

  private void open() {
    progress.update(p -> p.live(Progress.Live.CONNECTING));
    Window held = rebuilding ? null : checkpoint.window();
    if (held != null) {
      resume(held);
      connect();
      return;
    }
    startFromIndex(keyframes.index(), !rebuilding);
  }

  /** Continues the live window the checkpoint holds: nothing of it is read again. */
  private void resume(Window held) {
    begin(WindowAssembler.resuming(held), held.offset());
    out.restart(held.latest(), false, checkpoint.fromStore());
  }

  private void startFromIndex(Single<KeyframeIndex> index, boolean useHeld) {
    DisposableSingleObserver<KeyframeIndex> observer =
        new DisposableSingleObserver<KeyframeIndex>() {
          @Override
          public void onSuccess(KeyframeIndex index) {
            synchronized (LiveSession.this) {
              if (isDisposed() || stopped) return; // a hold or a reconnect replaced this load
              // Loading the index may have scanned the stream, and so read the live window.
              Window held = useHeld ? checkpoint.window() : null;
              if (held != null) resume(held);
              else startFrom(index);
              connect();
            }
          }

          @Override
          public void onError(Throwable e) {
            long delay;
            synchronized (LiveSession.this) {
              if (isDisposed() || stopped) return;
              // The index read gave up (one-shot reads are bounded); the cursor tries again as
              // its reconnect policy allows.
              delay = e instanceof TransientException ? nextReconnect() : -1;
              if (delay >= 0) {
                progress.update(p -> p.live(Progress.Live.RECONNECTING));
                read.set(
                    scheduler.scheduleDirect(
                        () -> startFromIndex(keyframes.index(), useHeld),
                        delay,
                        TimeUnit.MILLISECONDS));
              }
            }
            if (delay < 0) fail(e);
            else failures.failed(e, resumeOffset, delay);
          }
        };
    read.set(observer); // before subscribing: a synchronous source may call back at once
    index.subscribe(observer);
  }

  /** The delay before the next reconnect or index reload, or -1 if the policy gives up. */
  private long nextReconnect() {
    return reconnects.onFailure(0, scheduler.now(TimeUnit.MILLISECONDS));
  }

  private void startFrom(KeyframeIndex index) {
    if (rebuilding) {
      rebuilding = false;
      rebuildFromStart(index);
      return;
    }
    Keyframe last = index.last();
    if (last == null) {
      begin(WindowAssembler.startingEmpty(Offset.START), Offset.START);
    } else {
      begin(WindowAssembler.atKeyframe(last.offset()), last.offset());
    }
  }

  /**
   * Reads from {@code -1}, which a server with retention starts at the oldest keyframe it still
   * serves (in one step: no index entry can be dropped between reading the index and the stream),
   * so that subscribers lose the fewest changes: from that keyframe on, every state is emitted. A
   * server that still serves the window subscribers were last shown (a 410 that retention did not
   * cause) is read through it without showing them again what they had.
   */
  private void rebuildFromStart(KeyframeIndex index) {
    // Reads before the first keyframe are skipped, unless the stream has none to skip to.
    begin(
        index.isEmpty()
            ? WindowAssembler.startingEmpty(Offset.START)
            : WindowAssembler.atKeyframe(Offset.START),
        Offset.START);
    WindowPoint shown = out.emitted();
    Keyframe shownStart = shown == null ? null : shown.window().start();
    if (shown != null && shownStart != null && lists(index, shownStart)) {
      out.skipThrough(shown.offset());
    }
  }

  private static boolean lists(KeyframeIndex index, Keyframe keyframe) {
    for (Keyframe k : index.asList()) {
      if (k.offset().equals(keyframe.offset())) return true;
    }
    return false;
  }

  private void begin(WindowAssembler assembler, Offset from) {
    this.assembler = assembler;
    this.resumeOffset = from;
    this.readSinceBoundary = 0;
    this.skip = 0;
    out.dropUnit(); // of the assembler this one replaces
  }

  private synchronized void connect() {
    if (stopped) return;
    if (holds.held()) {
      hold();
      return;
    }
    ReadOptions options =
        ReadOptions.builder()
            .offset(resumeOffset)
            .liveMode(liveMode)
            .liveReadTimeout(liveReadTimeoutMillis, TimeUnit.MILLISECONDS)
            .build();
    DisposableSubscriber<ReadBatch<StateMessage>> subscriber =
        new DisposableSubscriber<ReadBatch<StateMessage>>() {
          @Override
          public void onNext(ReadBatch<StateMessage> batch) {
            // Under the lock a hold takes: a batch is applied whole, or not at all once cut.
            synchronized (LiveSession.this) {
              if (!isDisposed()) onBatch(batch);
            }
          }

          @Override
          public void onError(Throwable e) {
            if (!isDisposed()) onReadError(this, e);
          }

          @Override
          public void onComplete() {
            synchronized (LiveSession.this) {
              if (isDisposed()) return;
            }
            LiveSession.this.onComplete();
          }
        };
    RetryListener listener =
        new RetryListener() {
          @Override
          public void retrying(Throwable cause, long delayMillis) {
            if (!subscriber.isDisposed()) onRetrying(cause, delayMillis);
          }

          @Override
          public void recovered() {
            if (!subscriber.isDisposed()) onRecovered();
          }
        };
    read.set(subscriber); // before subscribing: a synchronous source may call back at once
    source.read(options, listener).subscribe(subscriber);
  }

  /** The window a change was just applied to, or that just started. */
  private Window open(WindowAssembler assembler) {
    return java.util.Objects.requireNonNull(assembler.current(), "no open window");
  }

  private void onBatch(ReadBatch<StateMessage> batch) {
    if (stopped) return;
    connection.opened(resumeOffset);
    failures.answered();
    rebuildUnanswered = false;
    // begin() ran before the read that delivers batches started.
    WindowAssembler assembler = java.util.Objects.requireNonNull(this.assembler);
    try {
      for (StateMessage message : batch.messages()) {
        readSinceBoundary++;
        if (skip > 0) {
          skip--;
          continue;
        }
        Offset offset = message.offset();
        // A message with another offset starts another unit: the last one is complete.
        if (out.endsUnit(offset)) out.emitUnit(caughtUp);
        WindowAssembler.Event event = assembler.accept(message);
        switch (event) {
          case CHANGE_APPLIED:
            if (caughtUp || out.continuous()) out.holdUnit(open(assembler).latest(), offset);
            break;
          case WINDOW_STARTED:
            checkpoint.keyframe(assembler.completed(), open(assembler));
            Keyframe applied = open(assembler).start();
            if (applied != null) events.keyframeApplied(applied);
            if (caughtUp || out.continuous()) out.holdUnit(open(assembler).latest(), offset);
            break;
          case RESET:
            reset(assembler.resetOffset());
            return;
          default:
            break;
        }
      }
    } catch (MalformedStreamException e) {
      fail(new ProtocolException(String.valueOf(e.getMessage()), source.url(), e.offset(), 0, e));
      return;
    } catch (RuntimeException e) {
      // A bug of ours must reach subscribers, not unwind into the transport's thread.
      fail(e);
      return;
    }
    if (!batch.messages().isEmpty()
        || (!batch.partial() && !batch.nextOffset().equals(resumeOffset))) {
      waiters.advanced();
    }
    if (!batch.partial()) {
      out.emitUnit(caughtUp); // a complete response ends on a unit's end
      assembler.unitBoundary(batch.nextOffset());
      resumeOffset = batch.nextOffset();
      readSinceBoundary = 0;
      skip = 0;
    }
    reconnects.onProgress();
    Window current = assembler.current();
    if (current != null) {
      checkpoint.hold(current);
      // Only at a unit boundary: a window's offset is where a read resumes, and mid-unit it
      // would point past changes the store does not hold yet.
      if (!batch.partial()) checkpoint.save(current);
    }
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

  /** The stream said to drop everything and rebuild from {@code from}. */
  private void reset(@Nullable Offset from) {
    Offset start = from != null ? from : Offset.START;
    log.info(source.url() + ": reset control, rebuilding from " + start);
    checkpoint.reset();
    WindowAssembler rebuilding = WindowAssembler.startingEmpty(start);
    begin(rebuilding, start);
    Window empty = rebuilding.current();
    if (empty != null) {
      checkpoint.hold(empty);
      out.restart(empty.latest(), caughtUp, false);
    }
    connect(); // replaces (and so cancels) the read that carried the reset
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
      connection.closed(null);
      checkpoint.connected(false);
    }
    progress.update(p -> p.live(holds.state()));
  }

  /**
   * Once no hold is left, reopens the live connection at once (no backoff wait) from where the last
   * complete batch ended, re-reading a unit cut short and skipping what was applied of it.
   */
  synchronized void release() {
    if (stopped || !cut) return;
    if (holds.held()) {
      progress.update(p -> p.live(holds.state())); // another hold is left: say which
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
    connection.closed(null);
    checkpoint.connected(false);
    reopenSoon();
  }

  private void reopenSoon() {
    progress.update(p -> p.live(Progress.Live.CONNECTING));
    // On the scheduler, not the caller's thread (an app's main thread): reopening may read the
    // store.
    read.set(scheduler.scheduleDirect(this::reopen));
  }

  private synchronized void reopen() {
    if (stopped || cut) return;
    if (assembler == null) {
      open(); // cut before the index loaded: load it again
      return;
    }
    fellBehind();
    cutUnit();
    connect();
  }

  /** The read was cut: the next one, from resumeOffset, skips all that was read past it. */
  private void cutUnit() {
    skip += readSinceBoundary;
    readSinceBoundary = 0;
  }

  /** The transport lost the connection and retries: invisible but for progress. */
  private void onRetrying(Throwable cause, long delayMillis) {
    synchronized (this) {
      if (stopped || cut) return; // under hold()'s lock: a held cursor says why
      if (log.isLoggable(Level.FINE)) {
        log.log(Level.FINE, source.url() + ": live read retrying in " + delayMillis + " ms", cause);
      }
      fellBehind();
      progress.update(p -> p.live(Progress.Live.RECONNECTING));
    }
    connection.closed(failures.transientOf(cause, resumeOffset));
    // Outside the lock: a waiter it fails may call back into the client.
    failures.failed(cause, resumeOffset, delayMillis);
  }

  /**
   * The connection dropped: what the server appended meanwhile is unread until a read is up to date
   * again, which is flagged anew (even with no change, so that waiters see it), and every append
   * read until then is emitted so subscribers see no gap.
   */
  private void fellBehind() {
    if (!caughtUp) return;
    caughtUp = false;
    out.fellBehind();
  }

  /** The server answers again; a batch, if any, follows and updates the rest of progress. */
  private void onRecovered() {
    synchronized (this) {
      if (stopped || cut) return;
      Progress.Live state = caughtUp ? Progress.Live.CONNECTED : Progress.Live.CONNECTING;
      progress.update(p -> p.live(state));
    }
    connection.opened(resumeOffset);
    failures.answered();
  }

  /** The read {@code failed} ended in {@code error}, unless a hold or a reconnect cut it. */
  private void onReadError(Disposable failed, Throwable error) {
    Offset from;
    long delay = -1;
    synchronized (this) {
      if (stopped || failed.isDisposed()) return;
      if (error instanceof OffsetGoneException) {
        delay = rebuildUnanswered ? nextReconnect() : 0;
        if (delay >= 0) {
          rebuild(error, delay);
          return;
        }
      } else if (error instanceof TransientException) {
        delay = reconnectLater(error);
      }
      from = delay < 0 ? null : resumeOffset;
    }
    // Outside the lock: a waiter it fails, or a subscriber, may call back into the client.
    if (from == null) fail(error);
    else failures.failed(error, from, delay);
  }

  /**
   * Retention dropped what we would resume from, or the stream was deleted and created again (its
   * offsets carry a new incarnation): what we hold and stored may not be the stream's any more.
   * Drops it, reloads the index and reads again from the oldest keyframe the server still serves,
   * after {@code delay} ms. Subscribers that were shown a state get that keyframe's state (its view
   * says it was rebuilt) and every change after it once; others the state once caught up. {@link
   * Progress#liveRebuilds()} counts the rebuild.
   */
  private void rebuild(Throwable error, long delay) {
    log.log(
        Level.WARNING,
        source.url() + ": live offset gone, dropping stored data and rebuilding",
        error);
    connection.closed(error);
    caughtUp = false;
    rebuildUnanswered = true;
    rebuilding = true;
    assembler = null; // a hold meanwhile reopens through open(): the rebuild again
    out.rebuilding(); // the rebuilt state may not follow what subscribers hold
    checkpoint.reset();
    keyframes.reset(); // the index may name keyframes retention dropped
    progress.update(
        p -> p.live(Progress.Live.CONNECTING).liveRebuilds(progress.current().liveRebuilds() + 1));
    if (delay == 0) {
      open();
    } else {
      read.set(
          scheduler.scheduleDirect(
              () -> {
                synchronized (LiveSession.this) {
                  if (!stopped && !cut) open();
                }
              },
              delay,
              TimeUnit.MILLISECONDS));
    }
  }

  /** Schedules the next read as the reconnect policy allows: its delay, or -1 if it gives up. */
  private long reconnectLater(Throwable error) {
    long delay = nextReconnect();
    if (delay < 0) return -1;
    connection.closed(error);
    log.log(
        Level.FINE, source.url() + ": live read failed, reconnecting from " + resumeOffset, error);
    fellBehind();
    progress.update(p -> p.live(Progress.Live.RECONNECTING));
    cutUnit();
    read.set(scheduler.scheduleDirect(this::connect, delay, TimeUnit.MILLISECONDS));
    return delay;
  }

  private void onComplete() {
    // A live read completes only when the stream is closed: nothing more will come.
    if (end(Progress.Live.IDLE)) out.complete();
  }

  private void fail(Throwable error) {
    if (stopped) return;
    connection.closed(error);
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
    connection.closed(null);
    checkpoint.stopped();
    failures.ended();
    progress.update(p -> p.live(state));
    return true;
  }
}
