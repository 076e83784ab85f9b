package dev.rstream.internal.live;

import dev.rstream.Keyframe;
import dev.rstream.durable.LiveMode;
import dev.rstream.Offset;
import dev.rstream.OffsetGoneException;
import dev.rstream.Progress;
import dev.rstream.ProtocolException;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.RetryPolicy;
import dev.rstream.TransientException;
import dev.rstream.internal.http.RetryListener;
import dev.rstream.internal.retry.Recovery;
import dev.rstream.internal.retry.RetryableFailure;
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
import io.reactivex.rxjava3.core.BackpressureStrategy;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.FlowableEmitter;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.disposables.SerialDisposable;
import io.reactivex.rxjava3.observers.DisposableSingleObserver;
import io.reactivex.rxjava3.subjects.CompletableSubject;
import io.reactivex.rxjava3.subjects.PublishSubject;
import io.reactivex.rxjava3.subjects.Subject;
import io.reactivex.rxjava3.subscribers.DisposableSubscriber;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The one live connection a client keeps to its stream, shared by every live subscriber.
 *
 * <p>The first subscriber to {@link #updates()} opens it; when the last one leaves, it closes
 * after the linger time (a subscriber arriving within it reuses the connection). A late
 * subscriber gets the latest state at once, then every later one: never a duplicate, never a
 * gap. Each session starts where the last left off: from the live window its checkpoint holds (so
 * nothing is read twice), else from the latest keyframe.
 *
 * <p>Transient failures are retried by the transport with its retry policy, resuming from the
 * last offset applied (and skipping what was already applied of a response cut short);
 * subscribers see nothing of them but {@link Progress.Live#RECONNECTING} in progress (with the
 * attempt and its cause) while the transport retries, and {@code CONNECTED} again once the server
 * answers. Loading the keyframe index to start from is retried the same way. When the policy gives up
 * (a {@link TransientException}), the cursor reconnects itself, or reloads the index, as its
 * reconnect policy allows, after the delay {@link Recovery} computes from it; once that policy
 * gives up too, every subscriber fails with the {@link TransientException}. Any progress of the
 * read starts a fresh run of reconnects. Anything else (protocol error, stream deleted) fails
 * every subscriber and ends the session; the next subscriber starts a new one.
 */
public final class LiveCursor {
  private static final Logger log = Logger.getLogger(LiveCursor.class.getName());

  private final StreamSource source;
  private final LiveCheckpoint checkpoint;
  private final KeyframeIndexLoader keyframes;
  private final ProgressBoard progress;
  private final Scheduler scheduler;
  private final LiveMode liveMode;
  private final RetryPolicy reconnectPolicy;
  private final Flowable<LiveUpdate> shared;
  private final CompletableSubject closed = CompletableSubject.create();
  // Each failure of a session, for waiters that bound how long a failing cursor keeps them.
  private final Subject<Failures> failures = PublishSubject.<Failures>create().toSerialized();
  // Each batch that moved the live read on: new messages, or a later offset.
  private final Subject<Boolean> advanced = PublishSubject.<Boolean>create().toSerialized();
  // The current run of failures of the session, if any, for a waiter that gives up between two.
  private volatile @Nullable Failures lastFailures;
  private volatile boolean paused;
  private volatile @Nullable Session current;

  /**
   * A cursor over {@code source}, closed until its first subscriber. After a {@link
   * TransientException} from the read (the transport's retry policy gave up) or from loading the
   * index, it tries again as {@code reconnectPolicy} allows, and fails every subscriber once that
   * gives up.
   */
  public LiveCursor(
      StreamSource source,
      LiveCheckpoint checkpoint,
      KeyframeIndexLoader keyframes,
      ProgressBoard progress,
      Scheduler scheduler,
      LiveMode liveMode,
      long lingerMillis,
      RetryPolicy reconnectPolicy) {
    this.reconnectPolicy = reconnectPolicy;
    this.source = source;
    this.checkpoint = checkpoint;
    this.keyframes = keyframes;
    this.progress = progress;
    this.scheduler = scheduler;
    this.liveMode = liveMode;
    Flowable<LiveUpdate> sessions =
        Flowable.<LiveUpdate>create(emitter -> new Session(emitter).start(), BackpressureStrategy.BUFFER)
            // close() ends a session even while it lingers with no subscriber.
            .takeUntil(closed.andThen(Flowable.just(Boolean.TRUE)));
    this.shared =
        lingerMillis > 0
            ? sessions.replay(1).refCount(1, lingerMillis, TimeUnit.MILLISECONDS, scheduler)
            : sessions.replay(1).refCount();
  }

  /**
   * The latest state, then every later one. Hot and shared; subscribing opens the connection if
   * none is open. Emits on the transport's I/O thread; consumers that are slow must conflate
   * ({@code onBackpressureLatest}) or buffer. Never completes unless the stream is closed.
   */
  public Flowable<LiveUpdate> updates() {
    return shared;
  }

  /**
   * As {@link #updates()}, for a one-shot wait on the live state, which needs an answer where
   * {@link #updates()} waits as long as the cursor retries: fails with a {@link
   * TransientException} when the cursor's current run of transient failures (failed reads,
   * retried or reconnected, with no answer in between) goes past what {@code bound} allows
   * (checked at each failure), or when the live read has read nothing new for {@link
   * RetryPolicy#maxElapsedMillis()} of {@code bound} (if it sets one) since the subscription or
   * its last progress: a server that answers but never moves (a misconfigured cache) is no better
   * than one that fails. A waiter is answered once the cursor has caught up, so a caught-up,
   * quiet stream does not trip it.
   */
  public Flowable<LiveUpdate> updates(RetryPolicy bound) {
    Flowable<LiveUpdate> gaveUp = failures
        .filter(run -> Recovery.exhausts(bound, run.count, run.elapsedMillis))
        .firstElement()
        .flatMapPublisher(run -> Flowable.error(run.gaveUp()));
    long stallMillis = bound.maxElapsedMillis();
    if (stallMillis > 0) {
      Flowable<LiveUpdate> stalled = advanced.toFlowable(BackpressureStrategy.LATEST)
          .startWithItem(Boolean.TRUE)
          .switchMap(moved -> Flowable.timer(stallMillis, TimeUnit.MILLISECONDS, scheduler))
          .firstElement()
          .flatMapPublisher(timeUp -> Flowable.error(stalled(stallMillis)));
      gaveUp = gaveUp.mergeWith(stalled);
    }
    Flowable<LiveUpdate> watch = gaveUp;
    // The watch ends with the updates, however they end, so that the merge does too.
    return shared.publish(updates -> updates.mergeWith(watch.takeUntil(
        updates.ignoreElements().onErrorComplete().andThen(Flowable.just(Boolean.TRUE)))));
  }

  private TransientException stalled(long millis) {
    Failures last = lastFailures;
    String message = "the live read has read nothing new for " + millis + " ms";
    if (last == null) return new TransientException(message, source.url(), null, 0, null);
    return new TransientException(message + "; it failed " + last.count + " times in a row, the last time: "
        + last.last.getMessage(), source.url(), last.last.offset(), last.last.status(),
        last.last.serverCode(), last.last);
  }

  /**
   * Closes the live connection without ending the session: subscribers stay subscribed and see
   * nothing (progress says {@link Progress.Live#IDLE}) until {@link #resume()}. A session that
   * starts while paused waits for it too.
   */
  public void pause() {
    paused = true;
    Session session = current;
    if (session != null) session.pause();
  }

  /** Reopens the live connection from where the last complete batch ended (what the store holds). */
  public void resume() {
    paused = false;
    Session session = current;
    if (session != null) session.resume();
  }

  /**
   * Whether the live window holds everything the server had when the connection last answered:
   * false while connecting, reconnecting or paused. A state flagged caught up before a reconnect
   * (the one {@link #updates()} replays) is not caught up any more.
   */
  public boolean caughtUp() {
    Session session = current;
    return session != null && session.caughtUp && !paused;
  }

  /** Ends the live connection, lingering or not; every later subscriber completes at once. */
  public void close() {
    closed.onComplete();
  }

  /** A run of failures of one session's read: how many, for how long, and the last one. */
  private static final class Failures {
    final int count;
    final long elapsedMillis;
    final TransientException last;

    Failures(int count, long elapsedMillis, TransientException last) {
      this.count = count;
      this.elapsedMillis = elapsedMillis;
      this.last = last;
    }

    TransientException gaveUp() {
      return new TransientException("the live read failed " + count + " times in a row, over "
          + elapsedMillis + " ms; the last time: " + last.getMessage(), last.url(), last.offset(),
          last.status(), last.serverCode(), last);
    }
  }

  /** One connection's life: from the first subscriber to the last one leaving (or a failure). */
  private final class Session {
    private final FlowableEmitter<LiveUpdate> emitter;
    private final SerialDisposable read = new SerialDisposable();
    private @Nullable WindowAssembler assembler;
    private Offset resumeOffset = Offset.START;
    // Messages applied from a response whose end we have not seen; skipped when it is re-read.
    private int appliedSinceBoundary;
    private int skip;
    private volatile boolean caughtUp;
    private @Nullable WindowPoint emitted;
    // The held state is emitted before catching up; once caught up it is emitted again flagged so
    // (callers wait for that flag), and RStreamClient.live() drops the repeat.
    private boolean emittedCaughtUp;
    // Whether subscribers hold a state this session continues from (the held or a reset one): then
    // every change is emitted, caught up or not, so that no subscriber's run has a gap. A session
    // that starts from a keyframe emits once caught up instead: its first state is the current one.
    private boolean continuous;
    // The state after the last message applied, not emitted yet because its append unit may go on:
    // a view mid-unit would claim the unit's end offset (all its messages carry it) without all its
    // changes, and show a state no reader of the server ever sees (an append is atomic).
    private @Nullable WindowPoint unitState;
    private @Nullable Offset unitOffset;
    private int unitFirst; // the index of the unit's first change in its window
    private boolean goneOnce;
    // Reconnects and index reloads after the read gave up; reset by any batch.
    private final Recovery reconnects = new Recovery(reconnectPolicy);
    private volatile boolean stopped;
    // The current run of failures with no answer in between; guarded by this.
    private volatile int failuresInRun;
    private long runStartedAt;

    Session(FlowableEmitter<LiveUpdate> emitter) {
      this.emitter = emitter;
    }

    void start() {
      current = this;
      emitter.setCancellable(this::stop);
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
      emitted = held.latest();
      continuous = true;
      emitter.onNext(new LiveUpdate(emitted, false, checkpoint.fromStore()));
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
              failed(e);
              progress.update(p -> p.live(Progress.Live.RECONNECTING));
              read.set(scheduler.scheduleDirect(
                  () -> startFromIndex(keyframes.index(), useHeld), delay, TimeUnit.MILLISECONDS));
            }
          };
      read.set(observer); // before subscribing: a synchronous source may call back at once
      index.subscribe(observer);
    }

    /** The delay before the next reconnect or index reload, or -1 if the policy gives up. */
    private long nextReconnect() {
      return reconnects.onFailure(0, scheduler.now(TimeUnit.MILLISECONDS));
    }

    /** The read failed transiently and will be tried again: progress and waiters hear of it. */
    private void failed(Throwable cause) {
      Failures run;
      synchronized (this) {
        long now = scheduler.now(TimeUnit.MILLISECONDS);
        if (failuresInRun == 0) runStartedAt = now;
        int count = failuresInRun + 1;
        failuresInRun = count;
        TransientException last = cause instanceof TransientException
            ? (TransientException) cause
            : cause instanceof RetryableFailure
                ? ((RetryableFailure) cause).toTransient(source.url(), resumeOffset, ", retrying")
                : new TransientException(cause + ", retrying", source.url(), resumeOffset, 0, cause);
        run = new Failures(count, now - runStartedAt, last);
        lastFailures = run;
      }
      progress.retrying(this, run.count, run.last);
      failures.onNext(run);
    }

    /** The server answered: the run of failures, if any, is over. */
    private void answered() {
      if (failuresInRun == 0) return;
      synchronized (this) {
        failuresInRun = 0;
        lastFailures = null;
      }
      progress.answered(this);
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
      this.unitState = null; // of the assembler this one replaces
      this.unitOffset = null;
    }

    private synchronized void connect() {
      if (stopped || paused) return;
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
              if (!isDisposed()) LiveCursor.Session.this.onComplete();
            }
          };
      RetryListener listener = new RetryListener() {
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
      answered();
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
          // A message with another offset starts another unit: the last one is complete. Without
          // offsets (a server without the rstream conventions) every message is its own step.
          if (unitState != null && (offset == null || !offset.equals(unitOffset))) emitUnit();
          WindowAssembler.Event event = assembler.accept(message);
          switch (event) {
            case CHANGE_APPLIED:
              if (caughtUp || continuous) holdUnit(open(assembler).latest(), offset);
              break;
            case WINDOW_STARTED:
              checkpoint.keyframe(assembler.completed(), open(assembler));
              if (caughtUp || continuous) holdUnit(open(assembler).latest(), offset);
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
      if (!batch.messages().isEmpty() || (!batch.partial() && !batch.nextOffset().equals(resumeOffset))) {
        advanced.onNext(Boolean.TRUE);
      }
      if (!batch.partial()) {
        if (unitState != null) emitUnit(); // a complete response ends on a unit's end
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
        if (current != null) emit(current.latest());
      }
      Offset offset = current != null ? current.offset() : resumeOffset;
      synchronized (this) {
        // Under the lock pause() takes: a batch that ends after a pause must not say CONNECTED.
        Progress.Live state = paused ? Progress.Live.IDLE : caughtUp ? Progress.Live.CONNECTED : Progress.Live.CONNECTING;
        progress.update(
            p -> p.live(state).liveOffset(offset)
                .messagesRead(progress.current().messagesRead() + batch.messages().size()));
      }
    }

    private void holdUnit(WindowPoint point, @Nullable Offset offset) {
      if (unitState == null) unitFirst = Math.max(0, point.applied() - 1);
      unitState = point;
      unitOffset = offset;
    }

    private void emitUnit() {
      WindowPoint point = unitState;
      unitState = null;
      unitOffset = null;
      if (point != null) emit(point.since(Math.min(unitFirst, point.applied())));
    }

    /**
     * Emits a state, flagged caught up once the cursor is, unless subscribers have it already:
     * after a restart from a keyframe (offset gone), the cursor re-applies changes it had emitted,
     * and the state it reaches may be the one last emitted.
     */
    private void emit(WindowPoint point) {
      WindowPoint last = emitted;
      if (last != null && emittedCaughtUp && LiveUpdate.samePoint(last, point, true)) return;
      emitted = point;
      emittedCaughtUp = caughtUp;
      emitter.onNext(new LiveUpdate(point, caughtUp, false));
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
        emitted = empty.latest();
        continuous = true;
        emitter.onNext(new LiveUpdate(emitted, caughtUp, false));
      }
      connect(); // replaces (and so cancels) the read that carried the reset
    }

    synchronized void pause() {
      if (stopped) return;
      read.set(io.reactivex.rxjava3.disposables.Disposable.disposed()); // cancels the read
      checkpoint.connected(false);
      progress.update(p -> p.live(Progress.Live.IDLE));
    }

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
        if (stopped || paused) return; // under pause()'s lock: a paused cursor says IDLE
        if (log.isLoggable(Level.FINE)) {
          log.log(Level.FINE, source.url() + ": live read retrying in " + delayMillis + " ms", cause);
        }
        fellBehind();
        progress.update(p -> p.live(Progress.Live.RECONNECTING));
      }
      failed(cause); // outside the lock: a waiter it fails may call back into the client
    }

    /**
     * The connection dropped: what the server appended meanwhile is unread until a read is up to
     * date again, which is flagged anew (even with no change, so that waiters see it), and every
     * append read until then is emitted so subscribers see no gap.
     */
    private void fellBehind() {
      if (!caughtUp) return;
      caughtUp = false;
      emittedCaughtUp = false;
      if (emitted != null) continuous = true;
    }

    /** The server answers again; a batch, if any, follows and updates the rest of progress. */
    private void onRecovered() {
      synchronized (this) {
        if (stopped || paused) return;
        Progress.Live state = caughtUp ? Progress.Live.CONNECTED : Progress.Live.CONNECTING;
        progress.update(p -> p.live(state));
      }
      answered();
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
        log.log(Level.WARNING, source.url() + ": live offset gone, dropping stored data and rebuilding", error);
        caughtUp = false;
        continuous = false; // the rebuilt state may not follow what subscribers hold
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
      log.log(Level.FINE, source.url() + ": live read failed, reconnecting from " + resumeOffset, error);
      fellBehind();
      progress.update(p -> p.live(Progress.Live.RECONNECTING));
      skip = appliedSinceBoundary;
      appliedSinceBoundary = 0;
      failed(error);
      read.set(scheduler.scheduleDirect(this::connect, delay, TimeUnit.MILLISECONDS));
    }

    private void onComplete() {
      if (stopped) return;
      // A live read completes only when the stream is closed: nothing more will come.
      stopped = true;
      read.dispose();
      checkpoint.stopped();
      lastFailures = null;
      progress.answered(this);
      progress.update(p -> p.live(Progress.Live.IDLE));
      emitter.onComplete();
    }

    private void fail(Throwable error) {
      if (stopped) return;
      stopped = true;
      read.dispose();
      checkpoint.stopped();
      lastFailures = null;
      progress.answered(this);
      progress.update(p -> p.live(Progress.Live.FAILED));
      emitter.onError(error);
    }

    private void stop() {
      if (current == this) current = null;
      if (stopped) return; // failed or completed: progress already says so
      stopped = true;
      read.dispose();
      checkpoint.stopped();
      lastFailures = null;
      progress.answered(this);
      progress.update(p -> p.live(Progress.Live.IDLE));
    }
  }
}
