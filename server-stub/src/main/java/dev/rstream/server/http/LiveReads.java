package dev.rstream.server.http;

import dev.rstream.server.storage.LogStore;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live readers (long-polls and SSE sessions) waiting on each stream, woken by the store's tail
 * listener. A waiter holds no thread: it is an object in this map until the stream moves.
 */
final class LiveReads implements LogStore.TailListener {

  /** Told that the stream it waits on moved. Must not block: it is called on the store's thread. */
  interface Waiter {
    void onTail(long tailPosition, boolean closed, boolean deleted);
  }

  private final ConcurrentHashMap<String, Set<Waiter>> waiters = new ConcurrentHashMap<>();

  /** Registers {@code waiter} until {@link #remove}. */
  void add(String path, Waiter waiter) {
    waiters.computeIfAbsent(path, p -> ConcurrentHashMap.newKeySet()).add(waiter);
  }

  void remove(String path, Waiter waiter) {
    waiters.computeIfPresent(
        path,
        (p, set) -> {
          set.remove(waiter);
          return set.isEmpty() ? null : set;
        });
  }

  /** Live readers currently registered, over all streams. */
  int count() {
    int count = 0;
    for (Set<Waiter> set : waiters.values()) {
      count += set.size();
    }
    return count;
  }

  @Override
  public void onTail(String path, long tailPosition, boolean closed, boolean deleted) {
    Set<Waiter> set = waiters.get(path);
    if (set == null) {
      return;
    }
    for (Waiter waiter : set) {
      waiter.onTail(tailPosition, closed, deleted);
    }
  }
}
