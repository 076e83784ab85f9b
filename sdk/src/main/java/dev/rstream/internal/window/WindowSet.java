package dev.rstream.internal.window;

import dev.rstream.WindowInfo;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.processors.BehaviorProcessor;
import io.reactivex.rxjava3.processors.FlowableProcessor;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The window set a {@link WindowRegistry} emits: sets are {@linkplain #queue queued} under the
 * registry's lock, in the order of its changes, and {@linkplain #drain emitted} outside it, one
 * thread at a time, so a subscriber that calls back into the client (or blocks on it) from onNext
 * never does so while holding the registry's lock. Thread-safe.
 */
final class WindowSet {
  private final FlowableProcessor<List<WindowInfo>> sets =
      BehaviorProcessor.createDefault(Collections.<WindowInfo>emptyList());
  private final ConcurrentLinkedQueue<List<WindowInfo>> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger draining = new AtomicInteger();

  /** The current set, then every change; the latest only for slow subscribers. */
  Flowable<List<WindowInfo>> updates() {
    return sets.onBackpressureLatest();
  }

  /** Queues {@code set} (unmodifiable) to be emitted by the next {@link #drain()}. */
  void queue(List<WindowInfo> set) {
    pending.add(set);
  }

  /** Emits the queued sets, unless another thread is doing so (then it emits them too). */
  void drain() {
    if (draining.getAndIncrement() != 0) return;
    int missed = 1;
    do {
      List<WindowInfo> set;
      while ((set = pending.poll()) != null) sets.onNext(set);
      missed = draining.addAndGet(-missed);
    } while (missed != 0);
  }

  /** Completes {@link #updates()}. */
  void complete() {
    sets.onComplete();
  }
}
