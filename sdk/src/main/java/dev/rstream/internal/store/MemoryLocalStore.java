package dev.rstream.internal.store;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.LocalStore;
import dev.rstream.Offset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/** {@link LocalStore#inMemory()}: maps under concurrent maps; values are immutable. */
public final class MemoryLocalStore implements LocalStore {
  /** The live window and the offset it ends at, swapped together so a reader never sees half. */
  private static final class Live {
    final StoredWindow window;
    final Offset end;

    Live(StoredWindow window, Offset end) {
      this.window = window;
      this.end = end;
    }
  }

  private static final class Index {
    final List<Keyframe> keyframes;
    final Offset next;

    Index(List<Keyframe> keyframes, Offset next) {
      this.keyframes = keyframes;
      this.next = next;
    }
  }

  private final Map<String, Index> keyframes = new ConcurrentHashMap<>();
  private final Map<String, Map<String, StoredWindow>> windows = new ConcurrentHashMap<>();
  private final Map<String, Live> live = new ConcurrentHashMap<>();
  private final Map<String, StoredProducer> producers = new ConcurrentHashMap<>();

  @Override
  public List<Keyframe> keyframes(String streamUrl) {
    Index index = keyframes.get(streamUrl);
    return index == null ? Collections.<Keyframe>emptyList() : index.keyframes;
  }

  @Override
  public Offset keyframesNext(String streamUrl) {
    Index index = keyframes.get(streamUrl);
    return index == null ? Offset.START : index.next;
  }

  @Override
  public void putKeyframes(String streamUrl, List<Keyframe> list, Offset next) {
    keyframes.put(streamUrl, new Index(Collections.unmodifiableList(new ArrayList<>(list)), next));
  }

  @Override
  public @Nullable StoredWindow window(String streamUrl, String windowId) {
    Map<String, StoredWindow> byId = windows.get(streamUrl);
    return byId == null ? null : byId.get(windowId);
  }

  @Override
  public void putWindow(String streamUrl, StoredWindow window) {
    windows
        .computeIfAbsent(streamUrl, s -> new ConcurrentHashMap<>())
        .putIfAbsent(window.id(), window);
  }

  @Override
  public @Nullable StoredWindow liveWindow(String streamUrl) {
    Live held = live.get(streamUrl);
    return held == null ? null : held.window;
  }

  @Override
  public void putLiveWindow(String streamUrl, StoredWindow window) {
    live.put(streamUrl, new Live(window, endOf(window)));
  }

  @Override
  public boolean appendLive(
      String streamUrl, String windowId, Offset from, List<Change> changes, Offset to) {
    boolean[] appended = {false};
    live.computeIfPresent(
        streamUrl,
        (url, held) -> {
          if (!held.window.id().equals(windowId) || !held.end.equals(from)) return held;
          List<Change> all = new ArrayList<>(held.window.changes().size() + changes.size());
          all.addAll(held.window.changes());
          all.addAll(changes);
          StoredWindow w = held.window;
          appended[0] = true;
          return new Live(StoredWindow.of(w.start(), null, w.baseOffset(), w.keyframe(), all), to);
        });
    return appended[0];
  }

  static Offset endOf(StoredWindow window) {
    List<Change> changes = window.changes();
    Offset last = changes.isEmpty() ? null : changes.get(changes.size() - 1).offset();
    return last != null ? last : window.baseOffset();
  }

  @Override
  public @Nullable StoredProducer producer(String streamUrl) {
    return producers.get(streamUrl);
  }

  @Override
  public void putProducer(String streamUrl, StoredProducer producer) {
    producers.put(streamUrl, producer);
  }

  @Override
  public void clear(String streamUrl) {
    producers.remove(streamUrl);
    keyframes.remove(streamUrl);
    windows.remove(streamUrl);
    live.remove(streamUrl);
  }
}
