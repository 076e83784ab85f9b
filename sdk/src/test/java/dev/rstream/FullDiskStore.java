package dev.rstream;

import java.io.File;
import java.util.List;

/**
 * A store on a full disk: every write fails with the typed error SQLite's SQLITE_FULL maps to, and
 * every read finds nothing.
 */
final class FullDiskStore extends ForwardingStore {
  private final File file;

  FullDiskStore(File file) {
    super(LocalStore.inMemory()); // stays empty: nothing is ever written to it
    this.file = file;
  }

  private RuntimeException full() {
    return new LocalStoreException(LocalStoreException.Reason.DISK_FULL, file, "save", null);
  }

  @Override
  public void putKeyframes(String streamUrl, List<Keyframe> keyframes, Offset next) {
    throw full();
  }

  @Override
  public void putWindow(String streamUrl, StoredWindow window) {
    throw full();
  }

  @Override
  public void putLiveWindow(String streamUrl, StoredWindow window) {
    throw full();
  }

  @Override
  public boolean appendLive(
      String streamUrl, String windowId, Offset from, List<Change> changes, Offset to) {
    throw full();
  }

  @Override
  public void putProducer(String streamUrl, StoredProducer producer) {
    throw full();
  }

  @Override
  public void clear(String streamUrl) {
    throw full();
  }
}
