package dev.rstream;

import dev.rstream.internal.live.LiveUpdate;
import dev.rstream.internal.window.CatchUpPlan;
import dev.rstream.internal.window.CatchUps;
import dev.rstream.internal.window.KeyframeIndex;
import dev.rstream.internal.window.ProgressBoard;
import dev.rstream.internal.window.Window;
import dev.rstream.internal.window.WindowRegistry;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The client's views of the past: the state at a time ({@link RStreamClient#window}), the changes
 * between two times ({@link RStreamClient#changes}) and the windows held ({@link
 * RStreamClient#windows()}). Committed windows come from the {@link WindowRegistry}; a time or a
 * change in the live window waits on the live state through {@link LiveStates}. Thread-safe.
 */
final class HistoryViews {
  private final ClosedGate gate;
  private final WindowRegistry registry;
  private final LiveStates live;
  private final ProgressBoard progress;
  private final Clock clock;

  HistoryViews(
      ClosedGate gate,
      WindowRegistry registry,
      LiveStates live,
      ProgressBoard progress,
      Clock clock) {
    this.gate = gate;
    this.registry = registry;
    this.live = live;
    this.progress = progress;
    this.clock = clock;
  }

  /** See {@link RStreamClient#window}. */
  Flowable<StateView> window(Instant time) {
    return gate.openUntilClosed(
        () ->
            registry
                .covering(time)
                .toFlowable()
                .concatMap(
                    held -> {
                      Window window = held.window();
                      if (window != null)
                        return Flowable.just(
                            live.view(registry.stateAt(window, time), held.fromStore()));
                      if (time.isAfter(clock.instant())) return live.live();
                      return pastInLiveWindow(time);
                    }));
  }

  private Flowable<StateView> pastInLiveWindow(Instant time) {
    // A change stamped after `time` shows the live state is past it, whatever the tail says.
    Single<LiveUpdate> reached = live.liveAtTail(u -> isAfter(u.point().timestamp(), time));
    return reached.flatMapPublisher(
        update -> {
          Window window = update.point().window();
          if (window.start() == null || !window.start().timestamp().isAfter(time)) {
            return Flowable.just(live.view(registry.stateAt(window, time), false));
          }
          // A keyframe arrived after `time` while we waited: its window is committed now.
          return window(time);
        });
  }

  private static boolean isAfter(@Nullable Instant instant, Instant time) {
    return instant != null && instant.isAfter(time);
  }

  /** See {@link RStreamClient#windows()}. */
  Flowable<List<WindowInfo>> windows() {
    return gate.openUntilClosed(registry::windows);
  }

  /** See {@link RStreamClient#changes}. */
  Flowable<Change> changes(Instant from, Instant to) {
    return gate.openUntilClosed(
        () ->
            registry
                .index()
                .flatMapPublisher(
                    index -> {
                      int k = firstWindowWithChangesFrom(index, from);
                      CatchUpPlan plan = CatchUpPlan.of(index, k, to);
                      CatchUps.Run run = progress.catchUps().start(plan.windows(), plan.bytes());
                      return windowsFrom(index, k, to)
                          .doOnNext(window -> run.windowDone(CatchUpPlan.bytesOf(window)))
                          .doFinally(run::end);
                    })
                // Prefetch 1 keeps the look-ahead to the window after next.
                .concatMap(window -> changesOf(window, from, to), 1));
  }

  /**
   * The first window that may hold a change at or after {@code from}: with equal timestamps, a
   * change at exactly {@code from} can sit in the windows before the one covering it.
   */
  private static int firstWindowWithChangesFrom(KeyframeIndex index, Instant from) {
    int k = Math.max(0, index.covering(from));
    while (k > 0 && !index.get(k).timestamp().isBefore(from)) k--;
    return k;
  }

  /** The windows from the {@code k}th keyframe on, committed ones first, then the live one. */
  private Flowable<Window> windowsFrom(KeyframeIndex index, int k, Instant to) {
    if (index.isEmpty() || k >= index.size() - 1) {
      return caughtUpLiveWindow()
          .flatMapPublisher(
              liveWindow -> {
                Keyframe first = index.isEmpty() ? null : index.get(k);
                Keyframe liveStart = liveWindow.start();
                if (first != null && liveStart != null && first.compareTo(liveStart) < 0) {
                  // Keyframes arrived since the index was read: read the windows in between.
                  KeyframeIndex fresh = registry.currentIndex();
                  return windowsFrom(fresh, fresh.position(first.offset()), to);
                }
                return Flowable.just(liveWindow);
              });
    }
    Keyframe start = index.get(k);
    Keyframe end = index.get(k + 1);
    Flowable<Window> committed =
        Flowable.defer(() -> registry.held(start, end).map(held -> held.window()).toFlowable());
    if (!end.timestamp().isBefore(to)) return committed;
    return committed.concatWith(Flowable.defer(() -> windowsFrom(index, k + 1, to)));
  }

  private Single<Window> caughtUpLiveWindow() {
    return live.firstLive(LiveUpdate::caughtUp, "the live state caught up")
        .map(u -> u.point().window());
  }

  private static Flowable<Change> changesOf(Window window, Instant from, Instant to) {
    // By effective timestamps (docs/PROTOCOL.md 3.1), as the window's time seek.
    return Flowable.range(0, window.changeCount())
        .filter(
            i -> {
              Instant t = window.timeOf(i);
              return t != null && !t.isBefore(from) && t.isBefore(to);
            })
        .map(window::change);
  }
}
