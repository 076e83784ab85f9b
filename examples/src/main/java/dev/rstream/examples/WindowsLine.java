package dev.rstream.examples;

import dev.rstream.WindowInfo;
import dev.rstream.WindowState;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The demo's one-line description of a client's window set. Stateless. */
final class WindowsLine {
  private WindowsLine() {}

  /** Each window's state and bounds; a long set as a count per state and its overall bounds. */
  static String of(List<WindowInfo> windows) {
    if (windows.size() > 4) {
      Map<WindowState, Long> byState = new EnumMap<>(WindowState.class);
      for (WindowInfo window : windows) byState.merge(window.state(), 1L, Long::sum);
      WindowInfo first = windows.get(0);
      WindowInfo last = windows.get(windows.size() - 1);
      return String.format(
          "   windows: %d %s, from %s to %s", windows.size(), byState, start(first), end(last));
    }
    StringBuilder line = new StringBuilder("   windows:");
    for (WindowInfo window : windows) {
      line.append(' ')
          .append(window.state())
          .append('[')
          .append(start(window))
          .append(" .. ")
          .append(end(window))
          .append(')');
    }
    return line.toString();
  }

  private static Object start(WindowInfo window) {
    return window.start() == null || !window.start().hasTimestamp()
        ? "-"
        : window.start().timestamp();
  }

  private static Object end(WindowInfo window) {
    return window.end() == null ? "live" : window.end().timestamp();
  }
}
