package dev.rstream.internal.window;

import dev.rstream.Offset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The committed windows one client holds in memory, within a byte budget: once what it holds
 * weighs more than the budget ({@link WindowWeigher}), it drops windows least recently used
 * first, never a pinned one (one a subscriber is reading) nor the one just put or asked for (its
 * caller is about to use it). So it holds at most the budget, or one window more if that window
 * alone or the pinned ones weigh more.
 *
 * <p>Not thread-safe: its owner, the {@link WindowRegistry}, calls it under its own lock.
 */
final class HeldWindows {
  private static final class Slot {
    final Window window;
    final long bytes;
    int pins;

    Slot(Window window, long bytes) {
      this.window = window;
      this.bytes = bytes;
    }
  }

  private final long budgetBytes;
  // In access order: the eldest is the least recently used.
  private final LinkedHashMap<Offset, Slot> slots = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  HeldWindows(long budgetBytes) {
    if (budgetBytes < 0) throw new IllegalArgumentException("budgetBytes < 0: " + budgetBytes);
    this.budgetBytes = budgetBytes;
  }

  /** The window held under {@code key}, now the most recently used; null if none is. */
  @Nullable Window get(Offset key) {
    Slot slot = slots.get(key);
    return slot == null ? null : slot.window;
  }

  /**
   * Holds {@code window} under {@code key}, as the most recently used, and returns the keys of
   * the windows dropped to stay within the budget.
   */
  List<Offset> put(Offset key, Window window) {
    Slot old = slots.put(key, new Slot(window, WindowWeigher.weigh(window)));
    if (old != null) bytes -= old.bytes;
    bytes += slots.get(key).bytes;
    return trim(key);
  }

  /** Forgets the window under {@code key}, if held. */
  void remove(Offset key) {
    Slot old = slots.remove(key);
    if (old != null) bytes -= old.bytes;
  }

  /** Forgets every window. */
  void clear() {
    slots.clear();
    bytes = 0;
  }

  /** Keeps {@code window} held until {@link #unpin}; false if it is not the one held. */
  boolean pin(Offset key, Window window) {
    Slot slot = slots.get(key);
    if (slot == null || slot.window != window) return false;
    slot.pins++;
    return true;
  }

  /** Ends one {@link #pin}; returns the keys dropped now that the window may go. */
  List<Offset> unpin(Offset key) {
    Slot slot = slots.get(key);
    if (slot == null || slot.pins == 0) return new ArrayList<>();
    slot.pins--;
    return trim(null);
  }

  /** The bytes the held windows weigh, as counted against the budget. */
  long bytes() {
    return bytes;
  }

  /** The number of windows held. */
  int size() {
    return slots.size();
  }

  private List<Offset> trim(@Nullable Offset keep) {
    List<Offset> dropped = new ArrayList<>();
    Iterator<Map.Entry<Offset, Slot>> it = slots.entrySet().iterator();
    while (bytes > budgetBytes && it.hasNext()) {
      Map.Entry<Offset, Slot> e = it.next();
      if (e.getValue().pins > 0 || e.getKey().equals(keep)) continue;
      bytes -= e.getValue().bytes;
      dropped.add(e.getKey());
      it.remove();
    }
    return dropped;
  }
}
