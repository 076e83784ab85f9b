package dev.rstream.internal.window;

import dev.rstream.Keyframe;
import dev.rstream.NoTimestampsException;
import dev.rstream.Offset;
import dev.rstream.OffsetGoneException;
import dev.rstream.OutOfRangeException;
import dev.rstream.WindowInfo;
import dev.rstream.WindowState;
import dev.rstream.internal.store.StoreMirror;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.disposables.CompositeDisposable;
import io.reactivex.rxjava3.observers.DisposableSingleObserver;
import io.reactivex.rxjava3.subjects.SingleSubject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The windows one client holds or is fetching for its stream, and the window set it emits. Answers
 * "which window covers time T, and give me its content": from memory with no request, from the
 * local store, or by reading exactly that window's range once, however many callers ask at the same
 * time. At most {@code maxParallelFetches} windows are read at once; the rest wait as {@link
 * WindowState#PENDING}. It finds windows with its {@link KeyframeIndexLoader}, and lists the live
 * window as its {@link LiveCheckpoint} reports it.
 *
 * <p>Committed windows are held in memory within a {@link MemoryBudget}: beyond it, the least
 * recently used are dropped (they stay listed, committed and not {@linkplain WindowInfo#held()
 * held}) and read again when asked for, from the store when it holds them. The live window is not
 * counted and never dropped, nor is a window being read (its callers wait on the read, not on
 * memory).
 *
 * <p>Thread-safe. The window set is emitted on the thread that changed it, in order, never under
 * this object's lock; reads run on the scheduler.
 */
public final class WindowRegistry {
  private static final class Entry {
    WindowInfo info;
    @Nullable Window window;
    boolean fromStore;
    @Nullable Single<HeldWindow> fetch;

    Entry(WindowInfo info) {
      this.info = info;
    }
  }

  private final StoreMirror store;
  private final LiveCheckpoint live;
  private final KeyframeIndexLoader keyframes;
  private final WindowReader reader;
  private final FetchScheduler fetchScheduler;
  private final ProgressBoard progress;
  private final String url;

  private final TreeMap<Offset, Entry> entries = new TreeMap<>();
  private final MemoryBudget budget; // guarded by this
  private final WindowSet windowSet = new WindowSet();
  // Reads in flight, each removed as it ends: close() cancels them.
  private final CompositeDisposable fetches = new CompositeDisposable();

  /**
   * A registry that holds committed windows in memory up to {@code memoryBudget} bytes (by {@link
   * WindowWeight}'s estimate); {@link Long#MAX_VALUE} holds every one.
   */
  public WindowRegistry(
      StreamSource source,
      StoreMirror store,
      LiveCheckpoint live,
      Scheduler scheduler,
      int maxParallelFetches,
      long memoryBudget,
      ProgressBoard progress) {
    this.budget = new MemoryBudget(memoryBudget);
    this.store = store;
    this.live = live;
    this.progress = progress;
    this.url = source.url();
    this.keyframes = new KeyframeIndexLoader(source, store, live, progress, this::commitRead);
    this.reader = new WindowReader(source, store, progress);
    this.fetchScheduler = new FetchScheduler(scheduler, maxParallelFetches);
    live.listen(new LiveWindowListener());
  }

  public String url() {
    return url;
  }

  /** The window set, ordered by start offset: the current set, then every change. */
  public Flowable<List<WindowInfo>> windows() {
    return windowSet.updates();
  }

  /** The bytes of committed windows held now, by {@link WindowWeight}'s estimate. */
  public synchronized long heldBytes() {
    return budget.total();
  }

  /** The keyframe index this registry finds windows with. */
  public KeyframeIndexLoader keyframes() {
    return keyframes;
  }

  public KeyframeIndex currentIndex() {
    return keyframes.current();
  }

  /** The keyframe index, loaded once (see {@link KeyframeIndexLoader#index()}). */
  public Single<KeyframeIndex> index() {
    return keyframes.index();
  }

  /**
   * The content of the window covering {@code time}: held (no request), from the store, or read
   * now. {@link HeldWindow#isLive()} if {@code time} is in the live window (the caller asks the
   * live cursor). Fails with {@link OutOfRangeException} for a time before the first keyframe,
   * naming the first keyframe the server still serves: when the window the index names answers 410
   * (retention dropped it since the index was read), the index is read again and the time looked up
   * in it.
   */
  public Single<HeldWindow> covering(Instant time) {
    return coveringIn(keyframes.index(), time)
        .onErrorResumeNext(
            e -> {
              if (!(e instanceof OffsetGoneException)) return Single.error(e);
              keyframes.reset(); // names windows the server dropped
              return keyframes.index().flatMap(fresh -> resolve(fresh, time));
            });
  }

  private Single<HeldWindow> coveringIn(Single<KeyframeIndex> index, Instant time) {
    return index.flatMap(
        idx -> {
          int k = idx.covering(time);
          Keyframe next = k >= 0 ? idx.next(k) : null;
          if (next != null) return held(idx.get(k), next);
          // In the last window as far as we know: the index may lag, so look again.
          return keyframes.refresh().flatMap(fresh -> resolve(fresh, time));
        });
  }

  private Single<HeldWindow> resolve(KeyframeIndex idx, Instant time) {
    int k = idx.covering(time);
    if (k < 0) {
      if (idx.isEmpty()) return Single.just(HeldWindow.LIVE); // a stream with no keyframe: all live
      return Single.error(new OutOfRangeException(url, time, idx.get(0).timestamp()));
    }
    Keyframe next = idx.next(k);
    return next == null ? Single.just(HeldWindow.LIVE) : held(idx.get(k), next);
  }

  /**
   * The state of {@code window} at {@code time} (the window that covers it).
   *
   * @throws NoTimestampsException if it is unknown: the window has no keyframe and its changes up
   *     to {@code time} carry no timestamps (docs/PROTOCOL.md sections 3.0, 3.1), so whether they
   *     happened before {@code time} cannot be told. Not the epoch, which would pass for data.
   */
  public WindowPoint stateAt(Window window, Instant time) {
    if (!window.knowsStateAt(time))
      throw new NoTimestampsException(url, time, window.firstKnownTime());
    return window.stateAt(time);
  }

  /** The committed window {@code [start, end)}: from memory, or fetched once for all callers. */
  public Single<HeldWindow> held(Keyframe start, Keyframe end) {
    Single<HeldWindow> result = heldLocked(start, end);
    drain();
    return result;
  }

  private synchronized Single<HeldWindow> heldLocked(Keyframe start, Keyframe end) {
    Entry entry = entries.get(start.offset());
    if (entry != null && entry.window != null && entry.info.end() != null) {
      budget.used(start.offset());
      return Single.just(new HeldWindow(entry.window, entry.fromStore));
    }
    if (entry != null && entry.fetch != null) return entry.fetch;
    if (entry != null && entry.info.state() == WindowState.COMMITTED) {
      // Dropped by the budget: read it again (from the store if it holds it), once for all callers.
      SingleSubject<HeldWindow> result = SingleSubject.create();
      Entry dropped = entry;
      dropped.fetch = result.hide();
      fetchScheduler.submit(() -> runFetch(dropped, start, end, null, result));
      return dropped.fetch;
    }
    if (entry != null && entry.info.state() == WindowState.LIVE) {
      // The live window ended at a keyframe the cursor has not reached: read only its rest.
      entries.remove(start.offset());
    }
    Window held = live.current();
    Window prefix =
        held != null && LiveCheckpoint.keyOf(held.start()).equals(start.offset()) ? held : null;
    Entry fetching = new Entry(WindowInfo.of(start, end, WindowState.PENDING));
    SingleSubject<HeldWindow> result = SingleSubject.create();
    fetching.fetch = result.hide();
    entries.put(start.offset(), fetching);
    emit();
    fetchScheduler.submit(() -> runFetch(fetching, start, end, prefix, result));
    return fetching.fetch;
  }

  /**
   * Reads one window in the fetch slot {@link #heldLocked} took for it: a new one, or a committed
   * one the budget dropped (it stays COMMITTED meanwhile). A window-set subscriber may block until
   * another window is read, and that window may need this very slot: so the read is subscribed
   * before the PULLING set goes out on this thread, and the slot is handed on before the COMMITTED
   * or FAILED set and the result do. Otherwise the slot's holder waits on itself.
   */
  private void runFetch(
      Entry entry,
      Keyframe start,
      Keyframe end,
      @Nullable Window prefix,
      SingleSubject<HeldWindow> result) {
    boolean again;
    synchronized (this) {
      again = entry.info.state() == WindowState.COMMITTED;
      if (!again) move(entry, WindowState.PULLING);
    }
    progress.update(p -> p.windowsPulling(progress.current().windowsPulling() + 1));
    DisposableSingleObserver<HeldWindow> fetch =
        new DisposableSingleObserver<HeldWindow>() {
          @Override
          public void onSuccess(HeldWindow held) {
            fetches.delete(this); // a finished read must not keep its window reachable
            commitFetched(entry, held, again);
            fetchScheduler.release();
            drain();
            if (!again) countCommitted();
            pullingDone();
            result.onSuccess(held);
          }

          @Override
          public void onError(Throwable error) {
            fetches.delete(this);
            failFetched(entry, again);
            fetchScheduler.release();
            drain();
            pullingDone();
            result.onError(error);
          }
        };
    fetches.add(fetch);
    reader.read(entry.info.id(), start, end, prefix).subscribe(fetch);
    drain();
  }

  private void pullingDone() {
    progress.update(p -> p.windowsPulling(Math.max(0, progress.current().windowsPulling() - 1)));
  }

  private void commitFetched(Entry entry, HeldWindow held, boolean again) {
    // A fetch holds a committed window, never the live one.
    Window window = java.util.Objects.requireNonNull(held.window());
    long weight = WindowWeight.of(window);
    synchronized (this) {
      live.committed(window.start()); // a cursor that resumes starts from the index
      entry.window = window;
      entry.fromStore = held.fromStore();
      entry.fetch = null;
      if (again) entry.info = WindowInfo.of(window.start(), window.end(), WindowState.COMMITTED);
      else move(entry, WindowState.COMMITTED);
      admit(entry, weight);
    }
    store.committed(held.fromStore(), () -> StoredWindows.toStored(window));
  }

  private void failFetched(Entry entry, boolean again) {
    synchronized (this) {
      entry.fetch = null;
      if (again) return; // still committed, still dropped: the next request reads it again
      move(entry, WindowState.FAILED);
      // Reported once, then forgotten, so the next request for this window tries again.
      entries.remove(LiveCheckpoint.keyOf(entry.info.start()));
      emit();
    }
  }

  /** Counts {@code entry}'s window as held, and drops what the budget no longer has room for. */
  private void admit(Entry entry, long weight) {
    List<Offset> drop = budget.add(LiveCheckpoint.keyOf(entry.info.start()), weight);
    for (Offset key : drop) {
      Entry dropped = entries.get(key);
      if (dropped == null || dropped.window == null || dropped.fetch != null) continue;
      dropped.window = null;
      dropped.info =
          WindowInfo.of(dropped.info.start(), dropped.info.end(), WindowState.COMMITTED, false);
    }
    if (!drop.isEmpty()) emit();
  }

  /** Commits a window read by a scan or the live cursor (it has an end bound). */
  void commitRead(Window window) {
    Keyframe end = window.end();
    if (end == null) throw new IllegalArgumentException("window has no end bound: " + window);
    Offset key = LiveCheckpoint.keyOf(window.start());
    long weight = WindowWeight.of(window);
    synchronized (this) {
      Entry entry = entries.get(key);
      if (entry != null && entry.info.state() == WindowState.COMMITTED) return;
      if (entry == null || entry.info.state() != WindowState.LIVE) {
        // Pending or pulling (a fetch will commit its own copy) or unknown: record it directly.
        if (entry != null && entry.fetch != null) return;
        entry = new Entry(WindowInfo.of(window.start(), end, WindowState.LIVE));
        entries.put(key, entry);
      }
      entry.window = window;
      entry.info = WindowInfo.of(window.start(), end, entry.info.state());
      move(entry, WindowState.COMMITTED);
      admit(entry, weight);
      live.committed(window.start());
    }
    drain();
    store.committed(false, () -> StoredWindows.toStored(window));
    countCommitted();
  }

  private void countCommitted() {
    progress.update(p -> p.windowsCommitted(progress.current().windowsCommitted() + 1));
  }

  /** Lists the live window as its checkpoint reports it. */
  private final class LiveWindowListener implements LiveCheckpoint.Listener {
    @Override
    public void held(Window window, boolean restored) {
      Offset key = LiveCheckpoint.keyOf(window.start());
      synchronized (WindowRegistry.this) {
        Entry entry = entries.get(key);
        // A stream's first keyframe starts at -1, where the cursor's keyframe-less start also sits.
        boolean replaced =
            !restored
                && entry != null
                && entry.info.state() == WindowState.LIVE
                && !Objects.equals(entry.info.start(), window.start());
        if (entry == null || replaced) {
          entries.put(key, new Entry(WindowInfo.of(window.start(), null, WindowState.LIVE)));
          emit();
        }
      }
      drain();
    }

    @Override
    public void keyframe(@Nullable Window completed, Window started) {
      Keyframe start = started.start();
      if (start != null) keyframes.found(start);
      if (completed != null) commitRead(completed);
    }

    @Override
    public void reset() {
      keyframes.reset();
      synchronized (WindowRegistry.this) {
        entries.clear();
        budget.clear();
        emit();
      }
      drain();
    }
  }

  /** Cancels window reads in flight; callers waiting on them get no result. */
  public void close() {
    fetches.dispose();
    windowSet.complete();
  }

  private void move(Entry entry, WindowState next) {
    WindowState current = entry.info.state();
    if (!current.canMoveTo(next)) {
      throw new IllegalStateException(
          "window " + entry.info.id() + " cannot go from " + current + " to " + next);
    }
    entry.info = WindowInfo.of(entry.info.start(), entry.info.end(), next);
    emit();
  }

  /** Queues the current set, under the lock, so that sets go out in the order of the changes. */
  private void emit() {
    List<WindowInfo> list = new ArrayList<>(entries.size());
    for (Entry entry : entries.values()) list.add(entry.info);
    windowSet.queue(Collections.unmodifiableList(list));
  }

  /** Emits queued sets outside the lock (see {@link WindowSet}). */
  private void drain() {
    windowSet.drain();
  }
}
