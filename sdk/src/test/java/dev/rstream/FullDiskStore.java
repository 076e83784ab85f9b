package dev.rstream;

import java.io.File;
import java.util.List;

/** A store on a full disk: every write fails with the typed error SQLite's SQLITE_FULL maps to. */
final class FullDiskStore implements LocalStore {
  private final LocalStore empty = LocalStore.inMemory();
  private final File file;

  FullDiskStore(File file) {
    this.file = file;
  }

  private RuntimeException full() {
    return new LocalStoreException(LocalStoreException.Reason.DISK_FULL, file, "save", null);
  }

  @Override
  public List<Keyframe> keyframes(String streamUrl) {
    return empty.keyframes(streamUrl);
  }

  @Override
  public Offset keyframesNext(String streamUrl) {
    return empty.keyframesNext(streamUrl);
  }

  @Override
  public void putKeyframes(String streamUrl, List<Keyframe> keyframes, Offset next) {
    throw full();
  }

  @Override
  public StoredWindow window(String streamUrl, String windowId) {
    return null;
  }

  @Override
  public void putWindow(String streamUrl, StoredWindow window) {
    throw full();
  }

  @Override
  public StoredWindow liveWindow(String streamUrl) {
    return null;
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
  public StoredProducer producer(String streamUrl) {
    return null;
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
