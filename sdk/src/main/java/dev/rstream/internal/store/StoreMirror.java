package dev.rstream.internal.store;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.LocalStore;
import dev.rstream.LocalStore.StoredWindow;
import dev.rstream.Offset;
import dev.rstream.RStreamEventListener;
import dev.rstream.RStreamEventListener.StoreItem;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Every read and write one client makes to its {@link LocalStore} for its stream: the keyframe
 * index, committed windows and the live window. It decides what is written: nothing when the client
 * keeps no store, never a window that was read from the store, and of the live window only the
 * changes it gained since the last save (the whole window when another one started).
 *
 * <p>A store that fails is logged (once at WARNING, then at FINE) and read as empty, so the client
 * goes on from the server and keeps what it read in memory; it never serves what it could not read.
 * Thread-safe; live-window writes are serialised under a lock of their own, so a slow disk never
 * blocks the registry's readers.
 */
public final class StoreMirror {
  private static final Logger log = Logger.getLogger(StoreMirror.class.getName());

  private final String url;
  private final LocalStore store;
  private final RStreamEventListener events;
  // What the store holds of the live window: which window, how many of its changes, up to where.
  private final Object liveLock = new Object();
  private @Nullable String storedLiveId;
  private @Nullable Offset storedLiveBase;
  private int storedLiveCount;
  private @Nullable Offset storedLiveEnd;
  private boolean failureLogged; // guarded by this

  public StoreMirror(String url, LocalStore store) {
    this(url, store, RStreamEventListener.NONE);
  }

  /**
   * As {@link #StoreMirror(String, LocalStore)}, telling {@code events} of window hits and misses.
   */
  public StoreMirror(String url, LocalStore store, RStreamEventListener events) {
    this.url = url;
    this.store = store;
    this.events = events;
  }

  /** Whether anything is kept: copying a window for the store costs its keyframe state. */
  public boolean keepsWindows() {
    return store != NoLocalStore.INSTANCE;
  }

  /** The stored keyframe index, in stream order; empty if none or unreadable. */
  public List<Keyframe> keyframes() {
    return read(() -> store.keyframes(url), Collections.<Keyframe>emptyList());
  }

  /** Where reading the companion index resumes after the stored keyframes. */
  public Offset keyframesNext() {
    return read(() -> store.keyframesNext(url), Offset.START);
  }

  /** Saves the keyframe index and where its companion read stopped. */
  public void putKeyframes(List<Keyframe> keyframes, Offset next) {
    if (keepsWindows()) write(() -> store.putKeyframes(url, keyframes, next));
  }

  /** The stored committed window {@code id}, or null if none or unreadable. */
  public @Nullable StoredWindow window(String id) {
    StoredWindow stored = readOrNull(() -> store.window(url, id));
    if (keepsWindows()) {
      if (stored != null) events.storeHit(StoreItem.WINDOW, id);
      else events.storeMiss(StoreItem.WINDOW, id);
    }
    return stored;
  }

  /**
   * A window was committed: saves it, unless it came from the store. {@code window} is called only
   * if it is saved.
   */
  public void committed(boolean fromStore, Supplier<StoredWindow> window) {
    if (!fromStore && keepsWindows()) write(() -> store.putWindow(url, window.get()));
  }

  /**
   * The stored live window, rebuilt by {@code restore}, or null if none or unreadable (a window
   * that {@code restore} refuses, which no stream could have sent, counts as unreadable). The
   * window returned is what the store holds: later saves add to it.
   */
  public <W extends LiveWindowContent> @Nullable W liveWindow(Function<StoredWindow, W> restore) {
    StoredWindow stored = readOrNull(() -> store.liveWindow(url));
    W window = null;
    if (stored != null) {
      try {
        window = restore.apply(stored);
      } catch (RuntimeException e) {
        failed(e);
      }
    }
    if (keepsWindows()) {
      if (window != null) events.storeHit(StoreItem.LIVE_WINDOW, window.id());
      else events.storeMiss(StoreItem.LIVE_WINDOW, url);
    }
    if (window == null) return null;
    synchronized (liveLock) {
      storedLiveId = window.id();
      storedLiveBase = window.baseOffset();
      storedLiveCount = window.changeCount();
      storedLiveEnd = window.offset();
    }
    return window;
  }

  /**
   * Saves the live window as read up to an append-unit boundary: what it gained since the last
   * save, in one transaction, or the whole window ({@code whole}, called only then) when another
   * window started or the store's copy is unknown. A restart, even after a crash, resumes exactly
   * where the store's data ends.
   */
  public void saveLive(LiveWindowContent window, Supplier<StoredWindow> whole) {
    if (!keepsWindows()) return;
    synchronized (liveLock) {
      int count = window.changeCount();
      Offset end = window.offset();
      String id = window.id();
      boolean sameWindow =
          id.equals(storedLiveId)
              && window.baseOffset().equals(storedLiveBase)
              && count >= storedLiveCount;
      if (sameWindow && count == storedLiveCount) return;
      boolean saved = false;
      if (sameWindow && storedLiveEnd != null) {
        List<Change> added = new ArrayList<>(count - storedLiveCount);
        for (int i = storedLiveCount; i < count; i++) added.add(window.change(i));
        Offset from = storedLiveEnd;
        boolean[] appended = {false};
        saved =
            write(() -> appended[0] = store.appendLive(url, id, from, added, end)) && appended[0];
      }
      if (!saved && !write(() -> store.putLiveWindow(url, whole.get()))) {
        storedLiveId = null; // unknown: the next batch puts the whole window again
        return;
      }
      storedLiveId = id;
      storedLiveBase = window.baseOffset();
      storedLiveCount = count;
      storedLiveEnd = end;
    }
  }

  /** Drops everything the store holds for the stream (a reset control). */
  public void clear() {
    synchronized (liveLock) {
      storedLiveId = null;
      storedLiveCount = 0;
      storedLiveEnd = null;
      write(() -> store.clear(url));
    }
  }

  private <T> T read(Callable<T> read, T empty) {
    T value = readOrNull(read);
    return value != null ? value : empty;
  }

  /** A store read whose answer may be null (nothing stored); null too when the store fails. */
  private <T> @Nullable T readOrNull(Callable<@Nullable T> read) {
    try {
      return read.call();
    } catch (Exception e) {
      failed(e);
      return null;
    }
  }

  private boolean write(Runnable write) {
    try {
      write.run();
      return true;
    } catch (RuntimeException e) {
      failed(e);
      return false;
    }
  }

  private void failed(Exception e) {
    boolean first;
    synchronized (this) {
      first = !failureLogged;
      failureLogged = true;
    }
    // Once at WARNING (a full disk fails every batch), then quietly.
    log.log(
        first ? Level.WARNING : Level.FINE,
        url + ": local store failed; keeping state in memory only",
        e);
  }
}
