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
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.disposables.SerialDisposable;
import io.reactivex.rxjava3.observers.DisposableSingleObserver;
import io.reactivex.rxjava3.subscribers.DisposableSubscriber;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * One connection's life, for {@link LiveCursor}: from the first subscriber to the last one leaving
 * (or a failure). Reads the stream live into the live window, keeps the checkpoint and progress up
 * to date, and reconnects (or reloads the index) as its reconnect policy allows after the
 * transport's retry policy gave up. What subscribers see goes through {@link UnitEmitter}.
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
  private final LiveWaiters waiters;
  private final ReadFailures failures;
  private final BooleanSupplier paused;
  private final RStreamEventListener events;
  private final LiveConnectionEvents connection;
  private final SerialDisposable read = new SerialDisposable();
  private @Nullable WindowAssembler assembler;
  private Offset resumeOffset = Offset.START;
  // Messages applied from a response whose end we have not seen; skipped when it is re-read.
  private int appliedSinceBoundary;
  private int skip;
  private volatile boolean caughtUp;
  private boolean goneOnce;
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
      RetryPolicy reconnectPolicy,
      LiveWaiters waiters,
      BooleanSupplier paused,
      RStreamEventListener events) {
    this.out = out;
    this.source = source;
    this.checkpoint = checkpoint;
    this.keyframes = keyframes;
    this.progress = progress;
    this.scheduler = scheduler;
    this.liveMode = liveMode;
    this.reconnects = new Recovery(reconnectPolicy);
    this.waiters = waiters;
    this.failures = new ReadFailures(source.url(), progress, waiters, scheduler, events);
    this.paused = paused;
    this.events = events;
    this.connection = new LiveConnectionEvents(events);
  }

  /** Opens the live read: from the live window the checkpoint holds, else from the index. */
  void start() {
    progress.update(p -> p.live(Progress.Live.CONNECTING));
    Window held = checkpoint.window();
    if (held != null) {
      resume(held);
      connect();
      return;
    }
    startFromIndex(keyframes.index(), true);
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
            // Loading the index may have scanned the stream, and so read the live window.
            Window held = useHeld ? checkpoint.window() : null;
            if (held != null) resume(held);
            else startFrom(index);
            connect();
          }

          @Override
          public void onError(Throwable e) {
            // The index read gave up (one-shot reads are bounded); the cursor tries again as
            // its reconnect policy allows.
            long delay = e instanceof TransientException && !stopped ? nextReconnect() : -1;
            if (delay < 0) {
              fail(e);
              return;
            }
            failures.failed(e, resumeOffset, delay);
            progress.update(p -> p.live(Progress.Live.RECONNECTING));
            read.set(
                scheduler.scheduleDirect(
                    () -> startFromIndex(keyframes.index(), useHeld),
                    delay,
                    TimeUnit.MILLISECONDS));
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
    Keyframe last = index.last();
    if (last == null) {
      begin(WindowAssembler.startingEmpty(Offset.START), Offset.START);
    } else {
      begin(WindowAssembler.atKeyframe(last.offset()), last.offset());
    }
  }

  private void begin(WindowAssembler assembler, Offset from) {
    this.assembler = assembler;
    this.resumeOffset = from;
    this.appliedSinceBoundary = 0;
    this.skip = 0;
    out.dropUnit(); // of the assembler this one replaces
  }

  private synchronized void connect() {
    if (stopped || paused.getAsBoolean()) return;
    ReadOptions options = ReadOptions.builder().offset(resumeOffset).liveMode(liveMode).build();
    DisposableSubscriber<ReadBatch<StateMessage>> subscriber =
        new DisposableSubscriber<ReadBatch<StateMessage>>() {
          @Override
          public void onNext(ReadBatch<StateMessage> batch) {
            if (!isDisposed()) onBatch(batch);
          }

          @Override
          public void onError(Throwable e) {
            if (!isDisposed()) onReadError(e);
          }

          @Override
          public void onComplete() {
            if (!isDisposed()) LiveSession.this.onComplete();
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
    // begin() ran before the read that delivers batches started.
    WindowAssembler assembler = java.util.Objects.requireNonNull(this.assembler);
    try {
      for (StateMessage message : batch.messages()) {
        if (skip > 0) {
          skip--;
          continue;
        }
        appliedSinceBoundary++;
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
      appliedSinceBoundary = 0;
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
    synchronized (this) {
      // Under the lock pause() takes: a batch that ends after a pause must not say CONNECTED.
      Progress.Live state =
          paused.getAsBoolean()
              ? Progress.Live.IDLE
              : caughtUp ? Progress.Live.CONNECTED : Progress.Live.CONNECTING;
      progress.update(
          p ->
              p.live(state)
                  .liveOffset(offset)
                  .messagesRead(progress.current().messagesRead() + batch.messages().size()));
    }
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

  /** Closes the live connection; {@link #resume()} reopens it. */
  synchronized void pause() {
    if (stopped) return;
    read.set(io.reactivex.rxjava3.disposables.Disposable.disposed()); // cancels the read
    connection.closed(null);
    checkpoint.connected(false);
    progress.update(p -> p.live(Progress.Live.IDLE));
  }

  /** Reopens the live connection from where the last complete batch ended. */
  synchronized void resume() {
    // Before the index loaded there is nothing to resume: that load connects when it ends.
    if (stopped || assembler == null) return;
    fellBehind();
    // As after a dropped connection: re-read the unit cut short, skipping what was applied.
    skip = appliedSinceBoundary;
    appliedSinceBoundary = 0;
    progress.update(p -> p.live(Progress.Live.CONNECTING));
    connect();
  }

  /** The transport lost the connection and retries: invisible but for progress. */
  private void onRetrying(Throwable cause, long delayMillis) {
    synchronized (this) {
      if (stopped || paused.getAsBoolean())
        return; // under pause()'s lock: a paused cursor says IDLE
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
      if (stopped || paused.getAsBoolean()) return;
      Progress.Live state = caughtUp ? Progress.Live.CONNECTED : Progress.Live.CONNECTING;
      progress.update(p -> p.live(state));
    }
    connection.opened(resumeOffset);
    failures.answered();
  }

  private void onReadError(Throwable error) {
    if (stopped) return;
    if (error instanceof TransientException) {
      reconnectLater(error);
    } else if (error instanceof OffsetGoneException && !goneOnce) {
      // Retention dropped what we would resume from: start again from the newest keyframe.
      goneOnce = true;
      // Retention, or a stream deleted and created again (its offsets carry a new
      // incarnation): what we stored may not be the stream's any more. Drop it and rebuild.
      log.log(
          Level.WARNING,
          source.url() + ": live offset gone, dropping stored data and rebuilding",
          error);
      connection.closed(error);
      caughtUp = false;
      out.discontinue(); // the rebuilt state may not follow what subscribers hold
      checkpoint.reset();
      startFromIndex(keyframes.index(), false);
    } else {
      fail(error);
    }
  }

  private void reconnectLater(Throwable error) {
    long delay = nextReconnect();
    if (delay < 0) {
      fail(error);
      return;
    }
    connection.closed(error);
    log.log(
        Level.FINE, source.url() + ": live read failed, reconnecting from " + resumeOffset, error);
    fellBehind();
    progress.update(p -> p.live(Progress.Live.RECONNECTING));
    skip = appliedSinceBoundary;
    appliedSinceBoundary = 0;
    failures.failed(error, resumeOffset, delay);
    read.set(scheduler.scheduleDirect(this::connect, delay, TimeUnit.MILLISECONDS));
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

  /** The last subscriber left: ends the read, quietly. */
  void stop() {
    end(Progress.Live.IDLE);
  }

  /**
   * Ends the read, leaving progress at {@code state}; false if it had ended already (failed or
   * completed: progress already says so).
   */
  private boolean end(Progress.Live state) {
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
