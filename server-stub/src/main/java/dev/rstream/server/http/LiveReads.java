package dev.rstream.server.http;

import dev.rstream.server.storage.LogStore;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The live readers (long-polls and SSE sessions) waiting on each stream, woken by the store's tail
 * listener. A waiter holds no thread: it is an object in this map until the stream moves.
 *
 * <p>Waking a crowd: with thousands of readers on one stream, one pool task per reader per append
 * costs more than the writes themselves (a queue offer and a thread unpark each, measured by the
 * fan-out benchmark). So a crowd is woken by a {@link Sweep}: a few pool tasks, each running its
 * share of the readers' {@link Waiter#wake} in turn on its own thread.
 */
final class LiveReads implements LogStore.TailListener {
  /** Below this many waiters on a stream, each is woken on its own, as before. */
  static final int CROWD = 64;

  /** Told that the stream it waits on moved. */
  interface Waiter {
    /** Must not block: it is called on the store's thread. Hands the work to a pool thread. */
    void onTail(long tailPosition, boolean closed, boolean deleted);

    /**
     * Called on a pool thread that wakes a share of a crowd: do the work here and now (it must
     * still not block on I/O). By default hands it on like {@link #onTail}.
     */
    default void wake(long tailPosition, boolean closed, boolean deleted) {
      onTail(tailPosition, closed, deleted);
    }
  }

  /**
   * A stream's last live read from {@code from}, encoded once as an SSE data event for every
   * session at the same position: a crowd on one stream then reads and encodes each append once,
   * not once per session. Below the tail the bytes never change, so a session that uses it after
   * the stream moved on only reads the rest on its next turn.
   */
  static final class SharedRead {
    final long incarnation;
    final long from;
    final long next;
    final boolean upToDate;
    final boolean closed;

    /** The {@code event: data} bytes, or null when the read returned no message. */
    final byte @Nullable [] dataEvent;

    /**
     * The data event and its control event for the sessions whose next cursor is {@code cursor}
     * (those without a client cursor, mostly): set by the first of them, reused by the others while
     * the cursor interval lasts.
     */
    volatile @Nullable Whole whole;

    SharedRead(
        long incarnation,
        long from,
        long next,
        boolean upToDate,
        boolean closed,
        byte @Nullable [] dataEvent) {
      this.incarnation = incarnation;
      this.from = from;
      this.next = next;
      this.upToDate = upToDate;
      this.closed = closed;
      this.dataEvent = dataEvent;
    }
  }

  /**
   * Both events of a {@link SharedRead} as written, for sessions whose next cursor is {@code
   * cursor}.
   */
  record Whole(String cursor, byte[] bytes) {}

  private final ConcurrentHashMap<String, Set<Waiter>> waiters = new ConcurrentHashMap<>();

  /**
   * Each crowd's waiters as an array, rebuilt only after an add or remove: copying 5,000 set
   * entries on every append showed in the profile.
   */
  private final ConcurrentHashMap<String, Crowd> crowds = new ConcurrentHashMap<>();

  private final ConcurrentHashMap<String, Sweep> sweeps = new ConcurrentHashMap<>();

  /** Bumped by every add and remove: a crowd snapshot taken at an older version is rebuilt. */
  private final AtomicLong version = new AtomicLong();

  private record Crowd(long version, Waiter[] waiters) {}

  /**
   * Each stream's last few shared reads, newest first. More than one: sessions that fell behind
   * stand at a few positions at once, and a single entry would be replaced back and forth.
   */
  private final ConcurrentHashMap<String, SharedRead[]> lastReads = new ConcurrentHashMap<>();

  private static final int SHARED_READS = 4;
  private final Executor executor;
  private final int shares;

  /**
   * @param executor runs the tasks that wake a crowd (Jetty's pool)
   */
  LiveReads(Executor executor) {
    this.executor = executor;
    // One share per core: the writes are CPU work, more threads would only contend.
    this.shares = Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /** Registers {@code waiter} until {@link #remove}. */
  void add(String path, Waiter waiter) {
    waiters.computeIfAbsent(path, p -> ConcurrentHashMap.newKeySet()).add(waiter);
    version.incrementAndGet();
  }

  void remove(String path, Waiter waiter) {
    waiters.computeIfPresent(
        path,
        (p, set) -> {
          set.remove(waiter);
          return set.isEmpty() ? null : set;
        });
    version.incrementAndGet();
    if (!waiters.containsKey(path)) {
      // Nobody left to share it with; a chunk can be up to a read's size.
      lastReads.remove(path);
      crowds.remove(path);
      // A sweep still running keeps its own reference; the next crowd gets a new one.
      sweeps.remove(path);
    }
  }

  /**
   * A shared read of the stream that starts at {@code from} in that incarnation and reaches at
   * least {@code tail} (or the end of a closed stream), else null.
   */
  @Nullable SharedRead lastRead(String path, long incarnation, long from, long tail) {
    SharedRead[] reads = lastReads.get(path);
    if (reads == null) {
      return null;
    }
    for (SharedRead read : reads) {
      if (read.incarnation == incarnation
          && read.from == from
          && (read.next >= tail || read.closed)) {
        return read;
      }
    }
    return null;
  }

  /**
   * Offers {@code read} to the other sessions on {@code path}; it replaces an older read from the
   * same position and pushes out the oldest. Two offers at once may lose one: it is only a cache.
   */
  void shareRead(String path, SharedRead read) {
    SharedRead[] old = lastReads.get(path);
    SharedRead[] reads = new SharedRead[old == null ? 1 : Math.min(SHARED_READS, old.length + 1)];
    reads[0] = read;
    int n = 1;
    if (old != null) {
      for (int i = 0; i < old.length && n < reads.length; i++) {
        if (old[i].from != read.from || old[i].incarnation != read.incarnation) {
          reads[n++] = old[i];
        }
      }
    }
    lastReads.put(path, n == reads.length ? reads : Arrays.copyOf(reads, n));
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
    if (set.size() < CROWD) {
      for (Waiter waiter : set) {
        waiter.onTail(tailPosition, closed, deleted);
      }
      return;
    }
    if (deleted) {
      // Never merged into a sweep: a sweep that ran late could tell readers of a stream created
      // again at this path that their stream is gone. Deletions are rare.
      for (Waiter waiter : set) {
        waiter.onTail(tailPosition, closed, true);
      }
      return;
    }
    sweeps.computeIfAbsent(path, Sweep::new).request(tailPosition, closed);
  }

  /** The crowd on {@code path} as an array, copied again only after an add or remove. */
  private Waiter[] crowd(String path) {
    // The version is read before the copy: a waiter added meanwhile makes the next append copy
    // again. A waiter added after this copy missed nothing: it reads the tail itself once
    // registered. One removed after it is woken once more, which is harmless.
    long current = version.get();
    Crowd crowd = crowds.get(path);
    if (crowd == null || crowd.version() != current) {
      Set<Waiter> set = waiters.get(path);
      crowd = new Crowd(current, set == null ? new Waiter[0] : set.toArray(new Waiter[0]));
      crowds.put(path, crowd);
    }
    return crowd.waiters();
  }

  /**
   * Wakes one stream's crowd, one share per core, and never twice at once: appends that land while
   * a sweep runs make one more sweep when it ends, with the newest tail. A crowd that cannot keep
   * up with the appends thus gets fewer, larger events instead of a growing backlog of wake-ups,
   * and two threads never fight over one session.
   */
  private final class Sweep {
    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    private static final int AGAIN = 2;

    /** Readers a task wakes before it takes the next slice. */
    private static final int SLICE = 32;

    private final String path;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final AtomicLong tail = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger sharesLeft = new AtomicInteger();

    Sweep(String path) {
      this.path = path;
    }

    void request(long tailPosition, boolean closedNow) {
      // Written before the state changes, so the sweep that starts next sees them.
      tail.accumulateAndGet(tailPosition, Math::max);
      if (closedNow) {
        closed.set(true);
      }
      while (true) {
        int s = state.get();
        if (s == IDLE && state.compareAndSet(IDLE, RUNNING)) {
          start();
          return;
        }
        if (s == AGAIN || (s == RUNNING && state.compareAndSet(RUNNING, AGAIN))) {
          return;
        }
      }
    }

    private void start() {
      long tailPosition = tail.get();
      boolean closedNow = closed.get();
      Waiter[] all = crowd(path);
      if (all.length == 0) {
        finished();
        return;
      }
      // The tasks take slices from one cursor rather than a fixed half each: a task whose thread
      // the scheduler sets aside then holds back one slice, not half the crowd.
      AtomicInteger cursor = new AtomicInteger();
      int tasks = Math.min(shares, (all.length + SLICE - 1) / SLICE);
      sharesLeft.set(tasks);
      for (int t = 0; t < tasks; t++) {
        executor.execute(
            () -> {
              try {
                for (int from = cursor.getAndAdd(SLICE);
                    from < all.length;
                    from = cursor.getAndAdd(SLICE)) {
                  int end = Math.min(all.length, from + SLICE);
                  for (int i = from; i < end; i++) {
                    all[i].wake(tailPosition, closedNow, false);
                  }
                }
              } finally {
                if (sharesLeft.decrementAndGet() == 0) {
                  finished();
                }
              }
            });
      }
    }

    private void finished() {
      while (true) {
        int s = state.get();
        if (s == AGAIN && state.compareAndSet(AGAIN, RUNNING)) {
          start();
          return;
        }
        if (s == RUNNING && state.compareAndSet(RUNNING, IDLE)) {
          return;
        }
      }
    }
  }
}
