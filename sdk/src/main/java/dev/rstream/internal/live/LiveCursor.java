package dev.rstream.internal.live;

import dev.rstream.Offset;
import dev.rstream.Progress;
import dev.rstream.RetryPolicy;
import dev.rstream.TransientException;
import dev.rstream.internal.retry.Recovery;
import io.reactivex.rxjava3.core.BackpressureStrategy;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.FlowableEmitter;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.subjects.CompletableSubject;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The one live connection a client keeps to its stream, shared by every live subscriber.
 *
 * <p>The first subscriber to {@link #updates()} opens it; when the last one leaves, it closes after
 * the linger time (a subscriber arriving within it reuses the connection). A late subscriber gets
 * the latest state at once, then every later one: never a duplicate, never a gap. Each session
 * starts where the last left off: from the live window its checkpoint holds (so nothing is read
 * twice), else from the latest keyframe.
 *
 * <p>Transient failures are retried by the transport with its retry policy, resuming from the last
 * offset applied (and skipping what was already applied of a response cut short); subscribers see
 * nothing of them but {@link Progress.Live#RECONNECTING} in progress (with the attempt and its
 * cause) while the transport retries, and {@code CONNECTED} again once the server answers. Loading
 * the keyframe index to start from is retried the same way. When the policy gives up (a {@link
 * TransientException}), the cursor reconnects itself, or reloads the index, as its reconnect policy
 * allows, after the delay {@link Recovery} computes from it; once that policy gives up too, every
 * subscriber fails with the {@link TransientException}. Any progress of the read starts a fresh run
 * of reconnects. Anything else (protocol error, stream deleted) fails every subscriber and ends the
 * session; the next subscriber starts a new one.
 *
 * <p>Each session is a {@link LiveSession}; {@link LiveWaiters} bounds one-shot waits on it.
 */
public final class LiveCursor {
  private final LiveWaiters waiters;
  private final Flowable<LiveUpdate> shared;
  private final CompletableSubject closed = CompletableSubject.create();
  private final LiveHolds holds = new LiveHolds();
  private final LiveCatchUp catchUp;
  private volatile @Nullable LiveSession current;

  /**
   * A cursor as {@code setup} says, closed until its first subscriber; once the last subscriber
   * left, its connection lingers for {@code lingerMillis}.
   */
  public LiveCursor(LiveReadSetup setup, long lingerMillis) {
    LiveWaiters waiters = new LiveWaiters(setup.source.url(), setup.scheduler);
    this.waiters = waiters;
    LiveCatchUp catchUp = new LiveCatchUp(setup.source, setup.keyframes, setup.progress);
    this.catchUp = catchUp;
    Flowable<LiveUpdate> sessions =
        Flowable.<LiveUpdate>create(
                emitter ->
                    open(
                        emitter,
                        new LiveSession(new UnitEmitter(emitter), setup, waiters, holds, catchUp)),
                BackpressureStrategy.BUFFER)
            // close() ends a session even while it lingers with no subscriber.
            .takeUntil(closed.andThen(Flowable.just(Boolean.TRUE)));
    Scheduler scheduler = setup.scheduler;
    this.shared =
        lingerMillis > 0
            ? sessions.replay(1).refCount(1, lingerMillis, TimeUnit.MILLISECONDS, scheduler)
            : sessions.replay(1).refCount();
  }

  private void open(FlowableEmitter<LiveUpdate> emitter, LiveSession session) {
    current = session;
    emitter.setCancellable(
        () -> {
          if (current == session) current = null;
          session.stop();
        });
    session.start();
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
   * {@link #updates()} waits as long as the cursor retries: fails with a {@link TransientException}
   * when the cursor's current run of transient failures (failed reads, retried or reconnected, with
   * no answer in between) goes past what {@code bound} allows (checked at each failure), or when
   * the live read has read nothing new for {@link RetryPolicy#maxElapsedMillis()} of {@code bound}
   * (if it sets one) since the subscription or its last progress: a server that answers but never
   * moves (a misconfigured cache) is no better than one that fails. A waiter is answered once the
   * cursor has caught up, so a caught-up, quiet stream does not trip it.
   */
  public Flowable<LiveUpdate> updates(RetryPolicy bound) {
    return waiters.bound(shared, bound);
  }

  /**
   * The server's tail was {@code tail} (a one-shot read asked for it): until the live read reaches
   * it, {@link Progress#catchUp()} shows how far it has come, from where it stands now or from
   * where the next read begins. Without this, the cursor asks for the tail itself when a read's
   * answer says the server holds more than it brought.
   */
  public void catchUpTo(Offset tail) {
    catchUp.to(tail);
  }

  /**
   * Closes the live connection for {@code reason} without ending the session: subscribers stay
   * subscribed and see nothing (progress says {@link Progress.Live#OFFLINE} while offline, else
   * {@link Progress.Live#IDLE}) and no request is sent until every reason is {@linkplain #release
   * released}. A session that starts while held waits too. Idempotent.
   */
  public void hold(LiveHold reason) {
    holds.add(reason);
    LiveSession session = current;
    if (session != null) session.hold();
  }

  /**
   * Drops {@code reason}; once none is left, reopens the live connection at once from where the
   * last complete batch ended (what the store holds), with no backoff wait. Idempotent.
   */
  public void release(LiveHold reason) {
    holds.remove(reason);
    LiveSession session = current;
    if (session != null) session.release();
  }

  /**
   * Drops the live connection, even one that looks alive (it may be bound to a network that is
   * gone), and opens a new one at once, skipping any backoff wait. Nothing if held or closed.
   */
  public void reconnectNow() {
    LiveSession session = current;
    if (session != null) session.reconnectNow();
  }

  /** Ends the live connection, lingering or not; every later subscriber completes at once. */
  public void close() {
    closed.onComplete();
  }
}
