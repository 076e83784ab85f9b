package dev.rstream.internal.live;

import dev.rstream.durable.ReadBatch;
import dev.rstream.internal.http.RetryListener;
import dev.rstream.internal.state.StateMessage;
import io.reactivex.rxjava3.subscribers.DisposableSubscriber;

/**
 * One live read of a {@link LiveSession}: hands its batches, its end and the transport's retries to
 * the session, until the session cuts it (disposes it). The session checks, under its lock, that
 * the read is not cut before it applies anything, so a read cut by a hold or a reconnect changes
 * nothing after the cut.
 */
final class LiveRead extends DisposableSubscriber<ReadBatch<StateMessage>>
    implements RetryListener {
  private final LiveSession session;

  LiveRead(LiveSession session) {
    this.session = session;
  }

  @Override
  public void onNext(ReadBatch<StateMessage> batch) {
    session.onBatch(this, batch);
  }

  @Override
  public void onError(Throwable e) {
    if (!isDisposed()) session.onReadError(this, e);
  }

  @Override
  public void onComplete() {
    session.onReadComplete(this);
  }

  @Override
  public void retrying(Throwable cause, long delayMillis) {
    if (!isDisposed()) session.onRetrying(cause, delayMillis);
  }

  @Override
  public void recovered() {
    if (!isDisposed()) session.onRecovered();
  }
}
