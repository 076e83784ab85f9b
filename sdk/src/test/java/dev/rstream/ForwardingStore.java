package dev.rstream;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A store that forwards every call to another, for a test store that changes a few of them (fails
 * or blocks a write, say) and leaves the rest as they are. Adding several outbox entries at once is
 * not forwarded: it adds them one at a time through {@link #addToOutbox(String, String, String)},
 * as {@link LocalStore}'s default does, so that a subclass that changes that method sees each one.
 */
abstract class ForwardingStore implements LocalStore {
  private final LocalStore delegate;

  ForwardingStore(LocalStore delegate) {
    this.delegate = requireNonNull(delegate, "delegate == null");
  }

  @Override
  public List<Keyframe> keyframes(String streamUrl) {
    return delegate.keyframes(streamUrl);
  }

  @Override
  public Offset keyframesNext(String streamUrl) {
    return delegate.keyframesNext(streamUrl);
  }

  @Override
  public void putKeyframes(String streamUrl, List<Keyframe> keyframes, Offset next) {
    delegate.putKeyframes(streamUrl, keyframes, next);
  }

  @Override
  public @Nullable StoredWindow window(String streamUrl, String windowId) {
    return delegate.window(streamUrl, windowId);
  }

  @Override
  public void putWindow(String streamUrl, StoredWindow window) {
    delegate.putWindow(streamUrl, window);
  }

  @Override
  public @Nullable StoredWindow liveWindow(String streamUrl) {
    return delegate.liveWindow(streamUrl);
  }

  @Override
  public void putLiveWindow(String streamUrl, StoredWindow window) {
    delegate.putLiveWindow(streamUrl, window);
  }

  @Override
  public boolean appendLive(
      String streamUrl, String windowId, Offset from, List<Change> changes, Offset to) {
    return delegate.appendLive(streamUrl, windowId, from, changes, to);
  }

  @Override
  public @Nullable StoredProducer producer(String streamUrl) {
    return delegate.producer(streamUrl);
  }

  @Override
  public void putProducer(String streamUrl, StoredProducer producer) {
    delegate.putProducer(streamUrl, producer);
  }

  @Override
  public void clear(String streamUrl) {
    delegate.clear(streamUrl);
  }

  @Override
  public boolean keepsOutbox() {
    return delegate.keepsOutbox();
  }

  @Override
  public OutboxEntry addToOutbox(String streamUrl, String newProducerId, String body) {
    return delegate.addToOutbox(streamUrl, newProducerId, body);
  }

  @Override
  public List<OutboxEntry> outbox(String streamUrl) {
    return delegate.outbox(streamUrl);
  }

  @Override
  public void acknowledgeOutbox(String streamUrl, long epoch, long seq) {
    delegate.acknowledgeOutbox(streamUrl, epoch, seq);
  }

  @Override
  public List<OutboxEntry> renumberOutbox(String streamUrl, long seq, long epoch, long firstSeq) {
    return delegate.renumberOutbox(streamUrl, seq, epoch, firstSeq);
  }
}
