package dev.rstream.internal.store;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.LocalStore;
import dev.rstream.Offset;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a client uses when no store is set: it keeps nothing, because the client's own registry
 * already holds what it read in memory for its lifetime. Copying windows into a second in-memory
 * store would cost a full copy of the keyframe state per committed window.
 */
public final class NoLocalStore implements LocalStore {
  public static final NoLocalStore INSTANCE = new NoLocalStore();

  private NoLocalStore() {}

  @Override
  public List<Keyframe> keyframes(String streamUrl) {
    return Collections.emptyList();
  }

  @Override
  public Offset keyframesNext(String streamUrl) {
    return Offset.START;
  }

  @Override
  public void putKeyframes(String streamUrl, List<Keyframe> keyframes, Offset next) {}

  @Override
  public @Nullable StoredWindow window(String streamUrl, String windowId) {
    return null;
  }

  @Override
  public void putWindow(String streamUrl, StoredWindow window) {}

  @Override
  public @Nullable StoredWindow liveWindow(String streamUrl) {
    return null;
  }

  @Override
  public void putLiveWindow(String streamUrl, StoredWindow window) {}

  @Override
  public boolean appendLive(
      String streamUrl, String windowId, Offset from, List<Change> changes, Offset to) {
    return true; // nothing is kept, so there is nothing to put instead
  }

  @Override
  public @Nullable StoredProducer producer(String streamUrl) {
    return null;
  }

  @Override
  public void putProducer(String streamUrl, StoredProducer producer) {}

  @Override
  public void clear(String streamUrl) {}
}
