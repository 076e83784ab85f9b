package dev.rstream.internal.window;

import dev.rstream.RStreamEventListener;
import dev.rstream.WindowInfo;
import dev.rstream.WindowState;
import io.reactivex.rxjava3.functions.Consumer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the window set, as {@link WindowRegistry#windows()} publishes it after each change, into
 * one {@link RStreamEventListener#windowStateChanged} per window whose state changed (or that is
 * new). Costs a pass over the set per change: subscribed only for a listener that is not {@link
 * RStreamEventListener#NONE}.
 */
public final class WindowStateEvents implements Consumer<List<WindowInfo>> {
  private final RStreamEventListener events;
  private Map<String, WindowState> last = new HashMap<>(); // guarded by this

  public WindowStateEvents(RStreamEventListener events) {
    this.events = events;
  }

  @Override
  public synchronized void accept(List<WindowInfo> windows) {
    Map<String, WindowState> now = new HashMap<>(windows.size() * 2);
    for (WindowInfo window : windows) {
      now.put(window.id(), window.state());
      if (last.get(window.id()) != window.state()) events.windowStateChanged(window);
    }
    last = now;
  }
}
