package dev.rstream.chaos;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Change;
import dev.rstream.Offset;
import dev.rstream.StateView;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks every view a {@code live()} subscriber receives against the {@link LogReplica}, on a
 * thread of its own, in the order each subscriber received them.
 *
 * <p>{@code live()} emits one state per append unit: offsets strictly increase; a view's {@code
 * changes()} are exactly the next unit's changes of the log, none skipped, none twice; a view
 * without changes (a keyframe) changes nothing; and each view's state equals the replica's at that
 * point. A broken promise is a {@link SoakFindings#violation}.
 */
final class ViewVerifier {
  private record ViewCheck(LiveSubscriber subscriber, StateView view) {}

  private final LogReplica replica;
  private final SoakFindings findings;
  private final SoakSettings settings;
  private final Thread thread = new Thread(this::run, "soak-verifier");

  /** Views received on the clients' threads, each subscriber's in the order it received them. */
  private final BlockingQueue<ViewCheck> checks = new LinkedBlockingQueue<>();

  private final AtomicLong received = new AtomicLong();
  private final AtomicLong checked = new AtomicLong();

  ViewVerifier(LogReplica replica, SoakFindings findings, SoakSettings settings) {
    this.replica = replica;
    this.findings = findings;
    this.settings = settings;
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Stops checking; views not checked yet are dropped. */
  void stop() {
    thread.interrupt();
  }

  /** Queues {@code view}, just received by {@code subscriber}, for checking. Any thread. */
  void received(LiveSubscriber subscriber, StateView view) {
    received.incrementAndGet();
    checks.add(new ViewCheck(subscriber, view));
  }

  /** Waits until every view received so far is checked; fails if that takes over 120 s. */
  void drain() throws InterruptedException {
    long received = this.received.get();
    long deadline = System.nanoTime() + SECONDS.toNanos(120);
    while (checked.get() < received && System.nanoTime() < deadline) Thread.sleep(20);
    assertThat(checked.get())
        .as("views checked of the %s received", received)
        .isGreaterThanOrEqualTo(received);
  }

  /** Views checked so far. */
  long checked() {
    return checked.get();
  }

  private void run() {
    try {
      while (true) {
        ViewCheck check = checks.take();
        try {
          check(check.subscriber(), check.view());
        } catch (RuntimeException e) {
          findings.violation(check.subscriber().name + ": verifier: " + e);
        }
        checked.incrementAndGet();
      }
    } catch (InterruptedException e) {
      // stopped
    }
  }

  /**
   * One view of one subscriber against the log: the view's position is the number of changes it has
   * applied (from its change's sequence number, or, for a keyframe or stored state, from its
   * offset); consecutive views must step by exactly one change, or zero for a keyframe.
   */
  private void check(LiveSubscriber subscriber, StateView view) throws InterruptedException {
    Offset offset = view.offset();
    if (!replica.awaitOffset(offset, 60, SECONDS)) {
      findings.violation(
          subscriber.name
              + ": view at "
              + offset
              + " is past the server's log ("
              + replica.readUpTo()
              + ")");
      return;
    }
    // live() emits one state per append unit: the unit's changes, all of them, in log order.
    List<Change> unit = view.changes();
    int before;
    int count;
    if (!unit.isEmpty()) {
      before = indexOf(unit.get(0));
      if (before < 0) {
        findings.violation(
            subscriber.name + ": view's change " + unit.get(0) + " is not in the log");
        return;
      }
      count = before + unit.size();
      for (int i = 0; i < unit.size(); i++) {
        if (indexOf(unit.get(i)) != before + i) {
          findings.violation(
              subscriber.name
                  + ": view at "
                  + offset
                  + " holds "
                  + unit.get(i)
                  + " as change #"
                  + (before + i)
                  + " of the log; the log has it at #"
                  + indexOf(unit.get(i)));
          return;
        }
      }
      checkUnit(subscriber, offset, before, count);
    } else {
      count = replica.changesUpTo(offset);
      before = count;
    }
    checkStep(subscriber, offset, unit, before, count);
    long expected = replica.hashAfter(count);
    if (StateHash.of(view) != expected) {
      // Once wrong, every later view is too: report the first in full, then only count them.
      if (subscriber.wrongViews++ == 0) {
        findings.violation(
            subscriber.name
                + ": view "
                + (subscriber.views + 1)
                + " "
                + view
                + " (changes "
                + unit
                + ") differs from the log replayed to "
                + count
                + " changes: "
                + StateDiff.describe(view, replica.stateAfter(count)));
      } else {
        findings.countViolation();
      }
    }
    subscriber.lastOffset = offset;
    subscriber.lastCount = count;
    subscriber.views++;
  }

  /** The view's changes {@code before..count-1} are one whole append unit, ending at its offset. */
  private void checkUnit(LiveSubscriber subscriber, Offset offset, int before, int count) {
    if (!replica.unitOffset(count - 1).equals(offset)) {
      findings.violation(
          subscriber.name
              + ": view at "
              + offset
              + " carries change #"
              + (count - 1)
              + " of unit "
              + replica.unitOffset(count - 1));
    } else if (replica.changesUpTo(offset) != count
        // A subscriber's first view is the cursor's latest state: its changes() are those that
        // made it from the cursor's previous state, which this subscriber never saw.
        || (subscriber.views > 0 && before > 0 && replica.unitOffset(before - 1).equals(offset))) {
      findings.violation(
          subscriber.name
              + ": view at "
              + offset
              + " holds changes #"
              + before
              + "..#"
              + (count - 1)
              + ", part of an append unit ("
              + replica.changesUpTo(offset)
              + " changes up to its end)");
    }
  }

  /** The view follows the subscriber's last one: a later offset, the next changes, none twice. */
  private void checkStep(
      LiveSubscriber subscriber, Offset offset, List<Change> unit, int before, int count) {
    Offset last = subscriber.lastOffset;
    if (last == null) return;
    if (offset.compareTo(last) < 0) {
      findings.violation(subscriber.name + ": offset went back from " + last + " to " + offset);
    } else if (offset.equals(last)) {
      findings.violation(subscriber.name + ": two views at " + offset);
    } else if (subscriber.views == 1 && before > subscriber.lastCount) {
      findings.knownBug(
          settings.strictCatchUp(),
          "live() jumps from held state to caught-up state",
          subscriber.name
              + ": view 2 at "
              + offset
              + " jumped from "
              + subscriber.lastCount
              + " to "
              + count
              + " changes");
    } else if (!unit.isEmpty() && before != subscriber.lastCount) {
      findings.violation(
          subscriber.name
              + ": view "
              + (subscriber.views + 1)
              + ": after "
              + subscriber.lastCount
              + " changes at "
              + last
              + " came changes #"
              + before
              + "..#"
              + (count - 1)
              + " at "
              + offset
              + (before < subscriber.lastCount
                  ? " (duplicate)"
                  : " (gap of " + (before - subscriber.lastCount) + ")"));
    } else if (unit.isEmpty() && count != subscriber.lastCount) {
      findings.violation(
          subscriber.name
              + ": a view without a change at "
              + offset
              + " moved from "
              + subscriber.lastCount
              + " to "
              + count
              + " changes");
    }
  }

  /** The log position of {@code change} (by its producer sequence number), or -1. */
  private int indexOf(Change change) {
    String txid = change.txid();
    return txid == null ? -1 : replica.indexOfSeq(Long.parseLong(txid));
  }
}
