package dev.rstream.internal.window;

import dev.rstream.Offset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The committed windows a client holds in memory, by start offset, with their {@linkplain
 * WindowWeight weights}, in the order they were last used; and which of them to drop, least
 * recently used first, to stay within a byte budget. It only counts: its owner drops the windows it
 * names. Not thread-safe: its owner's lock guards it.
 */
final class MemoryBudget {
  private final long budget;
  // Access order: iteration starts at the least recently used.
  private final LinkedHashMap<Offset, Long> held = new LinkedHashMap<>(16, 0.75f, true);
  private long total;

  /** A budget of {@code budget} bytes; {@link Long#MAX_VALUE} never drops anything. */
  MemoryBudget(long budget) {
    if (budget < 0) throw new IllegalArgumentException("budget < 0: " + budget);
    this.budget = budget;
  }

  /**
   * Records the window at {@code key} as held and just used, weighing {@code weight} bytes; returns
   * the windows to drop (least recently used first) so that the rest fit the budget. The window
   * just added is dropped last, and only if it alone is over the budget.
   */
  List<Offset> add(Offset key, long weight) {
    Long previous = held.put(key, weight);
    if (previous != null) total -= previous;
    total += weight;
    List<Offset> drop = new ArrayList<>();
    Iterator<Map.Entry<Offset, Long>> lru = held.entrySet().iterator();
    while (total > budget && lru.hasNext()) {
      Map.Entry<Offset, Long> oldest = lru.next();
      total -= oldest.getValue();
      drop.add(oldest.getKey());
      lru.remove();
    }
    return drop;
  }

  /** The window at {@code key} was just used: it is dropped after every other. */
  void used(Offset key) {
    held.get(key);
  }

  /** The window at {@code key} is no longer held. */
  void remove(Offset key) {
    Long weight = held.remove(key);
    if (weight != null) total -= weight;
  }

  /** Nothing is held any more. */
  void clear() {
    held.clear();
    total = 0;
  }

  /** The bytes held now, by the estimate. */
  long total() {
    return total;
  }
}
