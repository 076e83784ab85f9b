package dev.rstream.chaos;

import static java.util.concurrent.TimeUnit.SECONDS;

import dev.rstream.Change;
import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Two threads that ask random clients {@code window(ts)} at random times of the log, every 50 to
 * 300 ms, and check each answer against the {@link LogReplica}'s state at {@code ts}. An answer cut
 * by a reopen of its client is abandoned, not checked.
 */
final class WindowAsker {
  private static final int THREADS = 2;

  /** How many questions were asked, checked, and left unchecked because a reopen cut them. */
  record Figures(long asked, long checked, long abandoned) {}

  private final LogReplica replica;
  private final SoakClients clients;
  private final SoakFindings findings;
  private final boolean strictLiveWindow;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;

  // Counted by the asking threads.
  private final AtomicLong asked = new AtomicLong();
  private final AtomicLong checked = new AtomicLong();
  private final AtomicLong abandoned = new AtomicLong();

  WindowAsker(
      SoakSettings settings, LogReplica replica, SoakClients clients, SoakFindings findings) {
    this.replica = replica;
    this.clients = clients;
    this.findings = findings;
    this.strictLiveWindow = settings.strictLiveWindow();
    for (int w = 0; w < THREADS; w++) {
      Random random = new Random(settings.seed() + 17 + w);
      Thread thread = new Thread(() -> ask(random), "soak-windows-" + w);
      thread.setDaemon(true);
      threads.add(thread);
    }
  }

  void start() {
    threads.forEach(Thread::start);
  }

  /** Asks no more; each thread ends after the question it is asking. */
  void stop() {
    running = false;
  }

  /** Waits up to 90 s for each thread to end, once {@link #stop()}ped. */
  void awaitStopped() throws InterruptedException {
    for (Thread thread : threads) thread.join(90_000);
  }

  /** The figures so far. */
  Figures figures() {
    return new Figures(asked.get(), checked.get(), abandoned.get());
  }

  private void ask(Random random) {
    while (running) {
      try {
        Instant first = replica.firstKeyframe();
        Instant newest = replica.lastChangeTime();
        if (first == null || newest == null || !newest.isAfter(first)) {
          Thread.sleep(100);
          continue;
        }
        long span = newest.toEpochMilli() - first.toEpochMilli();
        Instant time =
            Instant.ofEpochMilli(first.toEpochMilli() + (long) (random.nextDouble() * span));
        SoakClient picked = clients.get(random.nextInt(SoakSettings.CLIENTS));
        // The generation first: a reopen between the two reads then shows as a changed generation.
        int generation = picked.generation();
        RStreamClient client = picked.client();
        if (client == null) continue;
        asked.incrementAndGet();
        StateView view;
        try {
          view = client.window(time).timeout(90, SECONDS).blockingLast();
        } catch (NoSuchElementException e) {
          // The client was closed (reopened) while it answered: nothing to check.
          if (picked.generation() == generation)
            findings.violation(picked.name + ": window(" + time + ") completed empty");
          else abandoned.incrementAndGet();
          continue;
        } catch (RuntimeException e) {
          String what = picked.name + ": window(" + time + ") failed: ";
          if (picked.generation() != generation) {
            abandoned.incrementAndGet();
          } else if (!findings.knownFailure(what, e)) {
            findings.violation(what + e);
          }
          continue;
        }
        if (!check(picked, time, view)) continue;
        Thread.sleep(50 + random.nextInt(250));
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        findings.violation("window worker: " + e);
      }
    }
  }

  /**
   * {@code view}, the answer of {@code picked}'s {@code window(time)}, is the log's state then;
   * false if the replica has not read that far.
   */
  private boolean check(SoakClient picked, Instant time, StateView view)
      throws InterruptedException {
    if (!replica.awaitAfter(time, 60, SECONDS)) {
      findings.violation("replica has no change after " + time);
      return false;
    }
    int count = replica.changesAt(time);
    long expected = replica.hashAfter(count);
    long actual = StateHash.of(view);
    int own = positionOf(view);
    if (actual != expected && own >= 0 && own < count && actual == replica.hashAfter(own)) {
      findings.knownBug(
          strictLiveWindow,
          "window(ts) answers from a stale live state",
          picked.name
              + ": window("
              + time
              + ") = "
              + view
              + " is the log at "
              + own
              + " changes, not "
              + count);
    } else if (actual != expected) {
      findings.violation(
          picked.name
              + ": window("
              + time
              + ") = "
              + view
              + " differs from the log replayed to "
              + count
              + " changes");
    }
    checked.incrementAndGet();
    return true;
  }

  /**
   * The number of changes {@code view} has applied, by the log, or -1 if its change is not in it.
   */
  private int positionOf(StateView view) {
    Change change = view.change();
    if (change == null) return replica.changesUpTo(view.offset());
    String txid = change.txid();
    int index = txid == null ? -1 : replica.indexOfSeq(Long.parseLong(txid));
    return index < 0 ? -1 : index + 1;
  }
}
