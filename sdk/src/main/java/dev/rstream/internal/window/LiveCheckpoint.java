package dev.rstream.internal.window;

import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.internal.store.StoreMirror;
import org.jspecify.annotations.Nullable;

/**
 * The live window as far as the live cursor has read it, and its checkpoint in the local store: the
 * one thing the live cursor reports to. The cursor tells it what it read ({@link #hold}, {@link
 * #save}, {@link #keyframe}, {@link #reset}) and whether it is connected; the registry observes it
 * through its {@link Listener} and reads it ({@link #current()}, {@link #isConnected()}). Nothing
 * here calls the cursor.
 *
 * <p>Thread-safe. The listener is called on the reporting thread, in the order of the reports,
 * never under this object's lock.
 */
public final class LiveCheckpoint {
  /** What observes the live window: the registry that lists it. */
  public interface Listener {
    /**
     * {@code window} is the live window now: read by the cursor, or restored from the store (then
     * {@code restored}) for a cursor that resumes it.
     */
    void held(Window window, boolean restored);

    /**
     * The cursor read a keyframe: {@code started} begins at it, and {@code completed}, if any,
     * ended at it. Called before {@link #held} for {@code started}.
     */
    void keyframe(@Nullable Window completed, Window started);

    /** A reset control: every window read so far is void. Called before the store is cleared. */
    void reset();
  }

  private static final Listener NONE =
      new Listener() {
        @Override
        public void held(Window window, boolean restored) {}

        @Override
        public void keyframe(@Nullable Window completed, Window started) {}

        @Override
        public void reset() {}
      };

  private final StoreMirror store;
  private volatile Listener listener = NONE;
  // Guarded by this.
  private @Nullable Window window;
  private boolean loaded;
  private boolean fromStore;
  private boolean connected;

  public LiveCheckpoint(StoreMirror store) {
    this.store = store;
  }

  /** Sets the one listener; its calls start with the next report. */
  public void listen(Listener listener) {
    if (this.listener != NONE) throw new IllegalStateException("a listener is set already");
    this.listener = listener;
  }

  /**
   * The live window as far as it has been read, or null: held in memory, else (on the first call
   * only) saved in the store by an earlier client, and then {@link #fromStore()} is true until the
   * cursor moves on. Reads the store on the calling thread.
   */
  public @Nullable Window window() {
    synchronized (this) {
      if (window != null || loaded) return window;
      loaded = true;
    }
    Window stored = store.liveWindow(StoredWindows::restore);
    if (stored == null) return null;
    boolean installed = false;
    Window result;
    synchronized (this) {
      if (window == null) {
        window = stored;
        fromStore = true;
        installed = true;
      }
      result = window;
    }
    if (installed) listener.held(stored, true);
    return result;
  }

  /** Whether {@link #window()} came from the store and the cursor has not moved past it. */
  public synchronized boolean fromStore() {
    return fromStore;
  }

  /** The live window held in memory now, or null; never reads the store. */
  public synchronized @Nullable Window current() {
    return window;
  }

  /**
   * The cursor read {@code window} this far: later cursors resume from it instead of reading it
   * again.
   */
  public void hold(Window window) {
    synchronized (this) {
      if (window != this.window) fromStore = false;
      this.window = window;
    }
    listener.held(window, false);
  }

  /**
   * The cursor read {@code window} up to an append-unit boundary: the store keeps what it gained,
   * in one transaction per batch (a whole window when a new one started), so that a restart, even
   * after a crash, resumes exactly where the store's data ends.
   */
  public void save(Window window) {
    store.saveLive(window, () -> StoredWindows.toStored(window));
  }

  /** The cursor found a keyframe: {@code started} is the live window, {@code completed} ended. */
  public void keyframe(@Nullable Window completed, Window started) {
    listener.keyframe(completed, started);
    hold(started);
  }

  /**
   * A window starting at {@code start} was committed: if it is the live window, a cursor that
   * resumes starts from the keyframe index instead.
   */
  public void committed(@Nullable Keyframe start) {
    synchronized (this) {
      if (window != null && keyOf(window.start()).equals(keyOf(start))) window = null;
    }
  }

  /** Whether a live cursor is connected (it finds new keyframes itself; no index polling). */
  public synchronized boolean isConnected() {
    return connected;
  }

  /** The cursor connected (it read up to the tail) or disconnected (paused). */
  public synchronized void connected(boolean connected) {
    this.connected = connected;
  }

  /** The live connection closed (the store already holds every complete batch it read). */
  public void stopped() {
    connected(false);
  }

  /** A reset control: drop the live window, then everything the store holds for the stream. */
  public void reset() {
    synchronized (this) {
      window = null;
      loaded = true; // the store is cleared below: nothing to load from it
    }
    listener.reset();
    store.clear();
  }

  static Offset keyOf(@Nullable Keyframe start) {
    return start == null ? Offset.START : start.offset();
  }
}
