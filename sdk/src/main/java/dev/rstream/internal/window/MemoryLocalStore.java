package dev.rstream.internal.window;

import dev.rstream.Keyframe;
import dev.rstream.LocalStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/** {@link LocalStore#inMemory()}: maps under concurrent maps; values are immutable. */
public final class MemoryLocalStore implements LocalStore {
  private final Map<String, List<Keyframe>> keyframes = new ConcurrentHashMap<>();
  private final Map<String, Map<String, StoredWindow>> windows = new ConcurrentHashMap<>();
  private final Map<String, StoredWindow> live = new ConcurrentHashMap<>();

  @Override
  public List<Keyframe> keyframes(String streamUrl) {
    return keyframes.getOrDefault(streamUrl, Collections.emptyList());
  }

  @Override
  public void putKeyframes(String streamUrl, List<Keyframe> list) {
    keyframes.put(streamUrl, Collections.unmodifiableList(new ArrayList<>(list)));
  }

  @Override
  public @Nullable StoredWindow window(String streamUrl, String windowId) {
    Map<String, StoredWindow> byId = windows.get(streamUrl);
    return byId == null ? null : byId.get(windowId);
  }

  @Override
  public void putWindow(String streamUrl, StoredWindow window) {
    windows.computeIfAbsent(streamUrl, s -> new ConcurrentHashMap<>()).putIfAbsent(window.id(), window);
  }

  @Override
  public @Nullable StoredWindow liveWindow(String streamUrl) {
    return live.get(streamUrl);
  }

  @Override
  public void putLiveWindow(String streamUrl, StoredWindow window) {
    live.put(streamUrl, window);
  }

  @Override
  public void clear(String streamUrl) {
    keyframes.remove(streamUrl);
    windows.remove(streamUrl);
    live.remove(streamUrl);
  }
}
