package dev.rstream.internal.window;

import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.StreamNotFoundException;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.store.StoreMirror;
import io.reactivex.rxjava3.core.Single;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The keyframe index of one stream as this client knows it, and how it learns more: from the local
 * store, from the companion index stream ({@code {url}.keyframes}), by scanning the stream itself
 * when it has no companion, and from the keyframes the live cursor finds. What it learns it saves
 * to the store.
 *
 * <p>A scan reads every window of the stream: the complete ones go to {@code committed} (given at
 * construction), the last one, still open, to the {@link LiveCheckpoint}. Thread-safe.
 */
public final class KeyframeIndexLoader {
  private static final Logger log = Logger.getLogger(KeyframeIndexLoader.class.getName());

  private final StreamSource source;
  private final StoreMirror store;
  private final LiveCheckpoint live;
  private final ProgressBoard progress;
  private final Consumer<Window> committed;
  private final String url;

  // Guarded by this.
  private KeyframeIndex index = KeyframeIndex.empty();
  private @Nullable Single<KeyframeIndex> load;
  private @Nullable Single<KeyframeIndex> refresh;
  private Offset next = Offset.START;
  private boolean storedMerged;
  private boolean storedNonEmpty;
  private boolean noCompanion;

  public KeyframeIndexLoader(
      StreamSource source,
      StoreMirror store,
      LiveCheckpoint live,
      ProgressBoard progress,
      Consumer<Window> committed) {
    this.source = source;
    this.store = store;
    this.live = live;
    this.progress = progress;
    this.committed = committed;
    this.url = source.url();
  }

  /** The index as known now, with no request. */
  public synchronized KeyframeIndex current() {
    return index;
  }

  /**
   * The keyframe index, loaded once: from the local store, then the companion stream; if there is
   * no companion and nothing stored, by scanning the stream from its start (which also commits
   * every window it reads). A failed load is retried by the next call.
   */
  public synchronized Single<KeyframeIndex> index() {
    Single<KeyframeIndex> loading = load;
    if (loading == null) {
      loading = loadIndex().doOnError(e -> clearLoad()).cache();
      load = loading;
    }
    return loading;
  }

  private synchronized void clearLoad() {
    load = null;
  }

  private Single<KeyframeIndex> loadIndex() {
    return Single.defer(
        () -> {
          boolean storedAny = mergeStoredOnce();
          if (storedAny) {
            // Answer from the store with no request; a time past the last stored keyframe
            // refreshes the index (covering() does), so a stale store cannot hide a newer window.
            return Single.just(current());
          }
          return tail()
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
   * once. Returns whether the store held any keyframe.
   */
  private boolean mergeStoredOnce() {
    synchronized (this) {
      if (storedMerged) return storedNonEmpty;
      storedMerged = true;
    }
    List<Keyframe> stored = store.keyframes();
    for (Keyframe keyframe : stored) add(keyframe);
    Offset storedNext = stored.isEmpty() ? Offset.START : store.keyframesNext();
    synchronized (this) {
      next = next.max(storedNext);
      storedNonEmpty = !stored.isEmpty();
      return storedNonEmpty;
    }
  }

  /**
   * Reads what the companion index gained since the last read; shared by concurrent callers. No
   * read while a live cursor is connected: it finds new keyframes itself.
   */
  public synchronized Single<KeyframeIndex> refresh() {
    if (noCompanion || live.isConnected()) return Single.just(index);
    Single<KeyframeIndex> refreshing = refresh;
    if (refreshing == null) {
      refreshing =
          tail()
              .onErrorResumeNext(
                  e -> {
                    // An index loaded from the store skipped the companion; it may have none.
                    if (!(e instanceof StreamNotFoundException)) return Single.error(e);
                    synchronized (this) {
                      noCompanion = true;
                    }
                    return Single.just(current());
                  })
              .doFinally(this::clearRefresh)
              .cache();
      refresh = refreshing;
    }
    return refreshing;
  }

  private synchronized void clearRefresh() {
    refresh = null;
  }

  private Single<KeyframeIndex> tail() {
    return Single.defer(
        () -> {
          Offset from;
          synchronized (this) {
            from = next;
          }
          return source
              .readIndex(ReadOptions.from(from))
              .doOnNext(this::addBatch)
              .ignoreElements()
              .andThen(Single.fromCallable(this::save));
        });
  }

  private synchronized void addBatch(ReadBatch<Keyframe> batch) {
    for (Keyframe keyframe : batch.messages()) add(keyframe);
    if (!batch.partial()) next = next.max(batch.nextOffset());
  }

  private synchronized void add(Keyframe keyframe) {
    try {
      index = index.plus(keyframe);
    } catch (IllegalArgumentException e) {
      // The index is a hint; the stream itself rules. A bad hint is dropped, not fatal.
      log.log(Level.WARNING, url + ": ignoring keyframe index entry " + keyframe, e);
    }
  }

  private KeyframeIndex save() {
    KeyframeIndex result;
    Offset savedNext;
    synchronized (this) {
      result = index;
      savedNext = next;
    }
    store.putKeyframes(result.asList(), savedNext);
    return result;
  }

  /** The live cursor found {@code keyframe}: add it and save the index. */
  public void found(Keyframe keyframe) {
    // A live cursor can find a keyframe before anything asked for the index: merge what the
    // store holds first, or saving would replace the stored index with this one entry.
    mergeStoredOnce();
    add(keyframe);
    save(); // the stream is the authority; the store keeps what it taught us
  }

  /**
   * A reset control or a 410: forget every keyframe (the store is cleared by the caller), so that
   * the next load reads the companion index again.
   */
  public synchronized void reset() {
    index = KeyframeIndex.empty();
    next = Offset.START;
    load = null;
    storedMerged = false; // what was merged is gone with the store
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
                        if (open != null) live.hold(open);
                        return save();
                      }));
        });
  }

  private void scanBatch(WindowAssembler assembler, ReadBatch<StateMessage> batch) {
    for (StateMessage message : batch.messages()) {
      WindowAssembler.Event event = WindowReader.accept(assembler, message, url);
      if (event == WindowAssembler.Event.RESET) {
        throw new ProtocolException(
            "reset control while scanning for keyframes", url, assembler.unitEnd(), 0, null);
      }
      if (event == WindowAssembler.Event.WINDOW_STARTED) {
        Window completed = assembler.completed();
        if (completed != null) committed.accept(completed);
        // A window that just started starts at a keyframe.
        add(
            java.util.Objects.requireNonNull(
                java.util.Objects.requireNonNull(assembler.current()).start()));
      }
    }
    if (!batch.partial()) assembler.unitBoundary(batch.nextOffset());
    progress.messagesRead(batch.messages().size());
  }
}
