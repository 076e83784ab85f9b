package dev.rstream.internal.live;

import dev.rstream.internal.window.KeyframeIndex;
import io.reactivex.rxjava3.observers.DisposableSingleObserver;

/**
 * One load of the keyframe index a {@link LiveSession} starts its read from: hands the index, or
 * the failure, to the session unless a hold or a reconnect replaced the load (disposed it).
 */
final class IndexLoad extends DisposableSingleObserver<KeyframeIndex> {
  private final LiveSession session;
  private final boolean useHeld;

  /**
   * A load for {@code session}; {@code useHeld}: a live window the checkpoint holds once the index
   * is loaded (loading it may have scanned the stream) is read on from, rather than the index.
   */
  IndexLoad(LiveSession session, boolean useHeld) {
    this.session = session;
    this.useHeld = useHeld;
  }

  boolean useHeld() {
    return useHeld;
  }

  @Override
  public void onSuccess(KeyframeIndex index) {
    session.onIndex(this, index);
  }

  @Override
  public void onError(Throwable e) {
    session.onIndexError(this, e);
  }
}
