package dev.rstream.internal.window;

import dev.rstream.Change;
import dev.rstream.internal.state.Control;
import dev.rstream.Keyframe;
import dev.rstream.LocalStore;
import dev.rstream.LocalStore.StoredWindow;
import dev.rstream.NoTimestampsException;
import dev.rstream.Offset;
import dev.rstream.OutOfRangeException;
import dev.rstream.ProtocolException;
import dev.rstream.ReadBatch;
import dev.rstream.ReadOptions;
import dev.rstream.StreamNotFoundException;
import dev.rstream.WindowInfo;
import dev.rstream.WindowState;
import dev.rstream.internal.state.State;
import dev.rstream.internal.state.StateMessage;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.disposables.CompositeDisposable;
import io.reactivex.rxjava3.processors.BehaviorProcessor;
import io.reactivex.rxjava3.processors.FlowableProcessor;
import io.reactivex.rxjava3.subjects.SingleSubject;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The windows one client holds or is fetching for its stream, and the keyframe index that finds
 * them. Answers "which window covers time T, and give me its content": from memory with no
 * request, from the local store, or by reading exactly that window's range once, however many
 * callers ask at the same time. At most {@code maxParallelFetches} windows are read at once; the
 * rest wait as {@link WindowState#PENDING}.
 *
 * <p>Thread-safe. The window set is emitted on the thread that changed it, in order, never under
 * this object's lock; reads run on the scheduler.
 */
public final class WindowRegistry {
  private static final Logger log = Logger.getLogger(WindowRegistry.class.getName());

  /** A window's content for a caller: committed ({@link #window} non-null) or the live window. */
  public static final class Held {
    private static final Held LIVE = new Held(null, false);

    private final @Nullable Window window;
    private final boolean fromStore;

    Held(@Nullable Window window, boolean fromStore) {
      this.window = window;
      this.fromStore = fromStore;
    }

    /** The committed window, or null if the time is in the live window. */
    public @Nullable Window window() {
      return window;
    }

    public boolean fromStore() {
      return fromStore;
    }

    public boolean isLive() {
      return window == null;
    }
  }

  private static final class Entry {
    WindowInfo info;
    @Nullable Window window;
    boolean fromStore;
    @Nullable Single<Held> fetch;

    Entry(WindowInfo info) {
      this.info = info;
    }
  }

  private final StreamSource source;
  private final LocalStore store;
  private final Scheduler scheduler;
  private final int maxParallelFetches;
  private final ProgressBoard progress;
  private final String url;

  private final TreeMap<Offset, Entry> entries = new TreeMap<>();
  private final FlowableProcessor<List<WindowInfo>> windowSet =
      BehaviorProcessor.createDefault(Collections.<WindowInfo>emptyList());
  private final CompositeDisposable fetches = new CompositeDisposable();
  private final ConcurrentLinkedQueue<List<WindowInfo>> pendingSets = new ConcurrentLinkedQueue<>();
  private final AtomicInteger draining = new AtomicInteger();
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int running;

  private KeyframeIndex index = KeyframeIndex.empty();
  private @Nullable Single<KeyframeIndex> indexLoad;
  private @Nullable Single<KeyframeIndex> indexRefresh;
  private Offset indexNext = Offset.START;
  private boolean storedIndexMerged;
  private boolean storedIndexNonEmpty;
  private boolean noCompanion;
  private @Nullable Window liveWindow;
  private boolean liveLoaded;
  private boolean liveFromStore;
  private boolean liveConnected;
  // What the store holds of the live window: which window, how many of its changes, up to where.
  // Guarded by storeLock (not this) so a slow disk never blocks readers of the registry.
  private final Object storeLock = new Object();
  private @Nullable String storedLiveId;
  private @Nullable Offset storedLiveBase;
  private int storedLiveCount;
  private @Nullable Offset storedLiveEnd;
  private boolean storeFailureLogged;

  public WindowRegistry(
      StreamSource source,
      LocalStore store,
      Scheduler scheduler,
      int maxParallelFetches,
      ProgressBoard progress) {
    this.source = source;
    this.store = store;
    this.scheduler = scheduler;
    this.maxParallelFetches = maxParallelFetches;
    this.progress = progress;
    this.url = source.url();
  }

  public String url() {
    return url;
  }

  /** The window set, ordered by start offset: the current set, then every change. */
  public Flowable<List<WindowInfo>> windows() {
    return windowSet.onBackpressureLatest();
  }

  public synchronized KeyframeIndex currentIndex() {
    return index;
  }

  /**
   * The keyframe index, loaded once: from the local store, then the companion stream; if there
   * is no companion and nothing stored, by scanning the stream from its start (which also
   * commits every window it reads). A failed load is retried by the next call.
   */
  public synchronized Single<KeyframeIndex> index() {
    Single<KeyframeIndex> load = indexLoad;
    if (load == null) {
      load = loadIndex().doOnError(e -> clearIndexLoad()).cache();
      indexLoad = load;
    }
    return load;
  }

  private synchronized void clearIndexLoad() {
    indexLoad = null;
  }

  private Single<KeyframeIndex> loadIndex() {
    return Single.defer(
        () -> {
          boolean storedAny = mergeStoredIndexOnce();
          if (storedAny) {
            // Answer from the store with no request; a time past the last stored keyframe
            // refreshes the index (covering() does), so a stale store cannot hide a newer window.
            return Single.just(currentIndex());
          }
          return tailIndex()
              .onErrorResumeNext(
                  e -> {
                    if (!(e instanceof StreamNotFoundException)) return Single.error(e);
                    synchronized (this) {
                      noCompanion = true;
                    }
                    return scan();
                  });
        });
  }

  /**
   * Adds the stored keyframe index (and where its companion read stopped) to the one in memory,
   * once per registry. Returns whether the store held any keyframe.
   */
  private boolean mergeStoredIndexOnce() {
    synchronized (this) {
      if (storedIndexMerged) return storedIndexNonEmpty;
      storedIndexMerged = true;
    }
    List<Keyframe> stored = fromStore(() -> store.keyframes(url), Collections.<Keyframe>emptyList());
    for (Keyframe keyframe : stored) addKeyframe(keyframe);
    Offset next = stored.isEmpty() ? Offset.START : fromStore(() -> store.keyframesNext(url), Offset.START);
    synchronized (this) {
      indexNext = indexNext.max(next);
      storedIndexNonEmpty = !stored.isEmpty();
      return storedIndexNonEmpty;
    }
  }

  /** Reads what the companion index gained since the last read; shared by concurrent callers. */
  public synchronized Single<KeyframeIndex> refreshIndex() {
    if (noCompanion || liveConnected) return Single.just(index);
    Single<KeyframeIndex> refresh = indexRefresh;
    if (refresh == null) {
      refresh =
          tailIndex()
              .onErrorResumeNext(
                  e -> {
                    // An index loaded from the store skipped the companion; it may have none.
                    if (!(e instanceof StreamNotFoundException)) return Single.error(e);
                    synchronized (this) {
                      noCompanion = true;
                    }
                    return Single.just(currentIndex());
                  })
              .doFinally(this::clearRefresh)
              .cache();
      indexRefresh = refresh;
    }
    return refresh;
  }

  private synchronized void clearRefresh() {
    indexRefresh = null;
  }

  private Single<KeyframeIndex> tailIndex() {
    return Single.defer(
        () -> {
          Offset from;
          synchronized (this) {
            from = indexNext;
          }
          return source
              .readIndex(ReadOptions.from(from))
              .doOnNext(this::addIndexBatch)
              .ignoreElements()
              .andThen(Single.fromCallable(this::saveIndex));
        });
  }

  private synchronized void addIndexBatch(ReadBatch<Keyframe> batch) {
    for (Keyframe keyframe : batch.messages()) addKeyframe(keyframe);
    if (!batch.partial()) indexNext = indexNext.max(batch.nextOffset());
  }

  private synchronized void addKeyframe(Keyframe keyframe) {
    try {
      index = index.plus(keyframe);
    } catch (IllegalArgumentException e) {
      // The index is a hint; the stream itself rules. A bad hint is dropped, not fatal.
      log.log(Level.WARNING, url + ": ignoring keyframe index entry " + keyframe, e);
    }
  }

  private KeyframeIndex saveIndex() {
    KeyframeIndex result;
    Offset next;
    synchronized (this) {
      result = index;
      next = indexNext;
    }
    if (keepsWindows()) toStore(() -> store.putKeyframes(url, result.asList(), next));
    return result;
  }

  /**
   * Runs a store read; a store that fails is logged and read as empty, so the client goes on
   * from the server (it never serves what it could not read).
   */
  private <T> T fromStore(java.util.concurrent.Callable<T> read, T empty) {
    try {
      return read.call();
    } catch (Exception e) {
      storeFailed(e);
      return empty;
    }
  }

  /** Runs a store write; a store that fails is logged, and the client keeps what it read in memory. */
  private boolean toStore(Runnable write) {
    try {
      write.run();
      return true;
    } catch (RuntimeException e) {
      storeFailed(e);
      return false;
    }
  }

  private void storeFailed(Exception e) {
    boolean first;
    synchronized (this) {
      first = !storeFailureLogged;
      storeFailureLogged = true;
    }
    // Once at WARNING (a full disk fails every batch), then quietly.
    log.log(first ? Level.WARNING : Level.FINE, url + ": local store failed; keeping state in memory only", e);
  }

  /** No companion index: read the whole stream once, commit its windows, keep the index. */
  private Single<KeyframeIndex> scan() {
    return Single.defer(
        () -> {
          WindowAssembler assembler = WindowAssembler.fromStreamStart();
          return source
              .read(ReadOptions.from(Offset.START))
              .doOnNext(batch -> scanBatch(assembler, batch))
              .ignoreElements()
              .andThen(
                  Single.fromCallable(
                      () -> {
                        Window open = assembler.current();
                        if (open != null) holdLive(open);
                        return saveIndex();
                      }));
        });
  }

  private void scanBatch(WindowAssembler assembler, ReadBatch<StateMessage> batch) {
    for (StateMessage message : batch.messages()) {
      WindowAssembler.Event event = accept(assembler, message);
      if (event == WindowAssembler.Event.RESET) {
        throw new ProtocolException("reset control while scanning for keyframes", url, assembler.unitEnd(), 0, null);
      }
      if (event == WindowAssembler.Event.WINDOW_STARTED) {
        Window completed = assembler.completed();
        if (completed != null) commitRead(completed);
        addKeyframe(assembler.current().start());
      }
    }
    if (!batch.partial()) assembler.unitBoundary(batch.nextOffset());
    countMessages(batch);
  }

  private WindowAssembler.Event accept(WindowAssembler assembler, StateMessage message) {
    try {
      return assembler.accept(message);
    } catch (MalformedStreamException e) {
      throw new ProtocolException(e.getMessage(), url, e.offset(), 0, e);
    }
  }

  private void countMessages(ReadBatch<?> batch) {
    int n = batch.messages().size();
    if (n > 0) progress.update(p -> p.messagesRead(progress.current().messagesRead() + n));
  }

  /**
   * The content of the window covering {@code time}: held (no request), from the store, or read
   * now. {@link Held#isLive()} if {@code time} is in the live window (the caller asks the live
   * cursor). Fails with {@link OutOfRangeException} for a time before the first keyframe.
   */
  public Single<Held> covering(Instant time) {
    return index()
        .flatMap(
            idx -> {
              int k = idx.covering(time);
              if (k >= 0 && idx.next(k) != null) return held(idx.get(k), idx.next(k));
              // In the last window as far as we know: the index may lag, so look again.
              return refreshIndex().flatMap(fresh -> resolve(fresh, time));
            });
  }

  private Single<Held> resolve(KeyframeIndex idx, Instant time) {
    int k = idx.covering(time);
    if (k < 0) {
      if (idx.isEmpty()) return Single.just(Held.LIVE); // a stream with no keyframe: all live
      return Single.error(new OutOfRangeException(url, time, idx.get(0).timestamp()));
    }
    Keyframe next = idx.next(k);
    return next == null ? Single.just(Held.LIVE) : held(idx.get(k), next);
  }

  /**
   * The state of {@code window} at {@code time} (the window that covers it).
   *
   * @throws NoTimestampsException if it is unknown: the window has no keyframe and its changes up
   *     to {@code time} carry no timestamps (docs/PROTOCOL.md sections 3.0, 3.1), so whether they
   *     happened before {@code time} cannot be told. Not the epoch, which would pass for data.
   */
  public WindowPoint stateAt(Window window, Instant time) {
    if (!window.knowsStateAt(time)) throw new NoTimestampsException(url, time, window.firstKnownTime());
    return window.stateAt(time);
  }

  /** The committed window {@code [start, end)}: from memory, or fetched once for all callers. */
  public Single<Held> held(Keyframe start, Keyframe end) {
    Single<Held> result = heldLocked(start, end);
    drain();
    return result;
  }

  private synchronized Single<Held> heldLocked(Keyframe start, Keyframe end) {
    Entry entry = entries.get(start.offset());
    if (entry != null && entry.window != null && entry.info.end() != null) {
      return Single.just(new Held(entry.window, entry.fromStore));
    }
    if (entry != null && entry.fetch != null) return entry.fetch;
    if (entry != null && entry.info.state() == WindowState.LIVE) {
      // The live window ended at a keyframe the cursor has not reached: read only its rest.
      entries.remove(start.offset());
    }
    Window live = liveWindow;
    Window prefix = live != null && keyOf(live.start()).equals(start.offset()) ? live : null;
    Entry fetching = new Entry(WindowInfo.of(start, end, WindowState.PENDING));
    SingleSubject<Held> result = SingleSubject.create();
    fetching.fetch = result.hide();
    entries.put(start.offset(), fetching);
    emit();
    Runnable job = () -> runFetch(fetching, start, end, prefix, result);
    if (running < maxParallelFetches) {
      running++;
      scheduler.scheduleDirect(job);
    } else {
      waiting.add(job);
    }
    return fetching.fetch;
  }

  /**
   * Reads one window in the fetch slot {@link #heldLocked} took for it. A window-set subscriber
   * may block until another window is read, and that window may need this very slot: so the read
   * is subscribed before the PULLING set goes out on this thread, and the slot is handed on before
   * the COMMITTED or FAILED set and the result do. Otherwise the slot's holder waits on itself.
   */
  private void runFetch(
      Entry entry, Keyframe start, Keyframe end, @Nullable Window prefix, SingleSubject<Held> result) {
    synchronized (this) {
      move(entry, WindowState.PULLING);
    }
    progress.update(p -> p.windowsPulling(progress.current().windowsPulling() + 1));
    Single<Held> work =
        Single.defer(
            () -> {
              StoredWindow stored = fromStore(() -> store.window(url, entry.info.id()), null);
              if (stored != null) return Single.just(new Held(restore(stored), true));
              return readWindow(start, end, prefix).map(window -> new Held(window, false));
            });
    fetches.add(
        work.subscribe(
            held -> {
              commitFetched(entry, held);
              releaseSlot();
              drain();
              countCommitted();
              pullingDone();
              result.onSuccess(held);
            },
            error -> {
              failFetched(entry);
              releaseSlot();
              drain();
              pullingDone();
              result.onError(error);
            }));
    drain();
  }

  /** Hands this fetch's slot to the next waiting window, or frees it. */
  private void releaseSlot() {
    Runnable next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) running--;
    }
    if (next != null) scheduler.scheduleDirect(next);
  }

  private void pullingDone() {
    progress.update(p -> p.windowsPulling(Math.max(0, progress.current().windowsPulling() - 1)));
  }

  /** Reads {@code [start, end)}, or only its part after {@code prefix} when that is held. */
  private Single<Window> readWindow(Keyframe start, Keyframe end, @Nullable Window prefix) {
    return Single.defer(
        () -> {
          if (prefix != null && prefix.offset().compareTo(end.offset()) >= 0) {
            return Single.just(prefix.withEnd(end));
          }
          WindowAssembler assembler =
              prefix != null ? WindowAssembler.resuming(prefix) : WindowAssembler.atKeyframe(start.offset());
          Offset from = prefix != null ? prefix.offset() : start.offset();
          ReadOptions options = ReadOptions.builder().offset(from).endOffset(end.offset()).build();
          return source
              .read(options)
              .map(batch -> consumeWindowBatch(assembler, batch, end))
              .takeUntil(done -> done)
              .ignoreElements()
              .andThen(
                  Single.fromCallable(
                      () -> {
                        Window window = assembler.current();
                        if (window == null || window.start() == null || assembler.inKeyframe()) {
                          throw new ProtocolException(
                              "no complete keyframe where the index says one starts", url, start.offset(), 0, null);
                        }
                        return window.withEnd(end);
                      }));
        });
  }

  /** Applies one batch of a window read; true once the window's end is reached. */
  private boolean consumeWindowBatch(WindowAssembler assembler, ReadBatch<StateMessage> batch, Keyframe end) {
    countMessages(batch);
    for (StateMessage message : batch.messages()) {
      Offset offset = message.offset();
      // A read ends at a batch boundary the server picks; the window ends exactly at its end bound.
      if (offset != null && offset.compareTo(end.offset()) > 0) return true;
      if (message.is(Control.Kind.SNAPSHOT_START) && assembler.current() != null) return true;
      if (accept(assembler, message) == WindowAssembler.Event.RESET) {
        throw new ProtocolException("reset control inside a committed window", url, assembler.unitEnd(), 0, null);
      }
    }
    if (!batch.partial()) {
      assembler.unitBoundary(batch.nextOffset());
      return batch.nextOffset().compareTo(end.offset()) >= 0;
    }
    return false;
  }

  /** Rebuilds a stored window by replaying it as the messages it was read from. */
  static Window restore(StoredWindow stored) {
    Keyframe start = stored.start();
    WindowAssembler assembler;
    if (start == null) {
      assembler = WindowAssembler.startingEmpty(stored.baseOffset());
    } else {
      assembler = WindowAssembler.atKeyframe(start.offset());
      assembler.accept(StateMessage.of(Control.of(Control.Kind.SNAPSHOT_START, null, start.timestamp())));
      for (Change insert : stored.keyframe()) assembler.accept(StateMessage.of(insert));
      assembler.accept(StateMessage.of(Control.of(Control.Kind.SNAPSHOT_END, stored.baseOffset(), start.timestamp())));
    }
    for (Change change : stored.changes()) assembler.accept(StateMessage.of(change));
    Keyframe end = stored.end();
    return end == null ? assembler.current() : assembler.current().withEnd(end);
  }

  /** Copying a window for the store costs its keyframe state; skip it when nothing is kept. */
  private boolean keepsWindows() {
    return store != NoLocalStore.INSTANCE;
  }

  static StoredWindow toStored(Window window) {
    List<Change> keyframe = new ArrayList<>();
    State base = window.baseState();
    for (String type : base.types()) {
      for (Map.Entry<String, String> e : base.entities(type).entrySet()) {
        keyframe.add(Change.insert(type, e.getKey(), e.getValue()));
      }
    }
    List<Change> changes = new ArrayList<>(window.changeCount());
    for (int i = 0; i < window.changeCount(); i++) changes.add(window.change(i));
    return StoredWindow.of(window.start(), window.end(), window.baseOffset(), keyframe, changes);
  }

  private void commitFetched(Entry entry, Held held) {
    Window window = held.window();
    synchronized (this) {
      if (liveWindow != null && keyOf(liveWindow.start()).equals(keyOf(window.start()))) {
        liveWindow = null; // committed now; a cursor that resumes starts from the index
      }
      entry.window = window;
      entry.fromStore = held.fromStore();
      entry.fetch = null;
      move(entry, WindowState.COMMITTED);
    }
    if (!held.fromStore() && keepsWindows()) toStore(() -> store.putWindow(url, toStored(window)));
  }

  private void failFetched(Entry entry) {
    synchronized (this) {
      entry.fetch = null;
      move(entry, WindowState.FAILED);
      // Reported once, then forgotten, so the next request for this window tries again.
      entries.remove(entry.info.start().offset());
      emit();
    }
  }

  /** Commits a window read by a scan or the live cursor (it has an end bound). */
  public void commitRead(Window window) {
    Keyframe end = window.end();
    if (end == null) throw new IllegalArgumentException("window has no end bound: " + window);
    Offset key = keyOf(window.start());
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
      if (liveWindow != null && keyOf(liveWindow.start()).equals(key)) liveWindow = null;
    }
    drain();
    if (keepsWindows()) toStore(() -> store.putWindow(url, toStored(window)));
    countCommitted();
  }

  private void countCommitted() {
    progress.update(p -> p.windowsCommitted(progress.current().windowsCommitted() + 1));
  }

  private static Offset keyOf(@Nullable Keyframe start) {
    return start == null ? Offset.START : start.offset();
  }

  /**
   * Records the live window's content up to the cursor's position (so a later cursor resumes
   * there instead of reading it again) and lists it as {@link WindowState#LIVE}.
   */
  public void holdLive(Window window) {
    Offset key = keyOf(window.start());
    synchronized (this) {
      if (window != liveWindow) liveFromStore = false;
      liveWindow = window;
      Entry entry = entries.get(key);
      // A stream's first keyframe starts at -1, where the cursor's keyframe-less start also sits.
      boolean replaced = entry != null && entry.info.state() == WindowState.LIVE
          && !java.util.Objects.equals(entry.info.start(), window.start());
      if (entry == null || replaced) {
        entries.put(key, new Entry(WindowInfo.of(window.start(), null, WindowState.LIVE)));
        emit();
      }
    }
    drain();
  }

  /**
   * The live window as far as it has been read, or null: held in memory, else saved in the store
   * by an earlier client (then {@link #liveFromStore()} is true until the cursor moves on).
   */
  public @Nullable Window heldLive() {
    synchronized (this) {
      if (liveWindow != null || liveLoaded) return liveWindow;
      liveLoaded = true;
    }
    StoredWindow stored = fromStore(() -> store.liveWindow(url), null);
    if (stored == null) return null;
    Window window;
    try {
      window = restore(stored);
    } catch (RuntimeException e) {
      // A store that holds what no stream could have sent is not served: read from the server.
      storeFailed(e);
      return null;
    }
    synchronized (storeLock) {
      storedLiveId = window.id();
      storedLiveBase = window.baseOffset();
      storedLiveCount = window.changeCount();
      storedLiveEnd = window.offset();
    }
    synchronized (this) {
      if (liveWindow == null) {
        liveWindow = window;
        liveFromStore = true;
        Offset key = keyOf(window.start());
        if (!entries.containsKey(key)) {
          entries.put(key, new Entry(WindowInfo.of(window.start(), null, WindowState.LIVE)));
          emit();
        }
      }
      window = liveWindow;
    }
    drain();
    return window;
  }

  /** Whether {@link #heldLive()} came from the store and the cursor has not moved past it. */
  public synchronized boolean liveFromStore() {
    return liveFromStore;
  }

  /**
   * The live cursor read {@code window} up to an append-unit boundary: keep what it gained in the
   * store, in one transaction per batch (a whole window when a new one started), so that a
   * restart, even after a crash, resumes exactly where the store's data ends.
   */
  public void liveSaved(Window window) {
    if (!keepsWindows()) return;
    synchronized (storeLock) {
      int count = window.changeCount();
      Offset end = window.offset();
      String id = window.id();
      boolean sameWindow =
          id.equals(storedLiveId) && window.baseOffset().equals(storedLiveBase) && count >= storedLiveCount;
      if (sameWindow && count == storedLiveCount) return;
      boolean saved = false;
      if (sameWindow && storedLiveEnd != null) {
        List<Change> added = new ArrayList<>(count - storedLiveCount);
        for (int i = storedLiveCount; i < count; i++) added.add(window.change(i));
        Offset from = storedLiveEnd;
        boolean[] appended = {false};
        saved = toStore(() -> appended[0] = store.appendLive(url, id, from, added, end)) && appended[0];
      }
      if (!saved && !toStore(() -> store.putLiveWindow(url, toStored(window)))) {
        storedLiveId = null; // unknown: the next batch puts the whole window again
        return;
      }
      storedLiveId = id;
      storedLiveBase = window.baseOffset();
      storedLiveCount = count;
      storedLiveEnd = end;
    }
  }

  /** The live connection closed (the store already holds every complete batch it read). */
  public void liveStopped() {
    synchronized (this) {
      liveConnected = false;
    }
  }

  /** The live cursor found a keyframe: its window starts, the one before it is committed. */
  public void liveKeyframe(@Nullable Window completed, Window started) {
    Keyframe start = started.start();
    if (start != null) {
      // A live cursor can find a keyframe before anything asked for the index: merge what the
      // store holds first, or saving would replace the stored index with this one entry.
      mergeStoredIndexOnce();
      addKeyframe(start);
      saveIndex(); // the stream is the authority; the store keeps what it taught us
    }
    if (completed != null) commitRead(completed);
    holdLive(started);
  }

  /** Whether a live cursor is connected (it finds new keyframes itself; no index polling). */
  public synchronized void liveConnected(boolean connected) {
    liveConnected = connected;
  }

  /** A reset control: drop every window, the index and what the store holds for the stream. */
  public void reset() {
    synchronized (this) {
      entries.clear();
      index = KeyframeIndex.empty();
      indexNext = Offset.START;
      indexLoad = null;
      liveWindow = null;
      liveLoaded = true; // the store is cleared below: nothing to load from it
      emit();
    }
    drain();
    synchronized (storeLock) {
      storedLiveId = null;
      storedLiveCount = 0;
      storedLiveEnd = null;
      toStore(() -> store.clear(url));
    }
  }

  /** Cancels window reads in flight; callers waiting on them get no result. */
  public void close() {
    fetches.dispose();
    windowSet.onComplete();
  }

  private void move(Entry entry, WindowState next) {
    WindowState current = entry.info.state();
    if (!current.canMoveTo(next)) {
      throw new IllegalStateException("window " + entry.info.id() + " cannot go from " + current + " to " + next);
    }
    entry.info = entry.info.withState(next);
    emit();
  }

  /** Queues the current set, under the lock, so that sets go out in the order of the changes. */
  private void emit() {
    List<WindowInfo> list = new ArrayList<>(entries.size());
    for (Entry entry : entries.values()) list.add(entry.info);
    pendingSets.add(Collections.unmodifiableList(list));
  }

  /**
   * Emits queued sets outside the lock, one thread at a time: a subscriber that calls back into
   * the client (or blocks on it) from onNext must not do so while holding the registry's lock.
   */
  private void drain() {
    if (draining.getAndIncrement() != 0) return;
    int missed = 1;
    do {
      List<WindowInfo> set;
      while ((set = pendingSets.poll()) != null) windowSet.onNext(set);
      missed = draining.addAndGet(-missed);
    } while (missed != 0);
  }
}
