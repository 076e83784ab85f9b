package dev.rstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.internal.live.LiveCursor;
import dev.rstream.internal.live.LiveUpdate;
import dev.rstream.internal.outbox.Outbox;
import dev.rstream.internal.outbox.OutboxOverlay;
import dev.rstream.internal.window.StreamSource;
import dev.rstream.internal.window.WindowPoint;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.functions.Function;
import io.reactivex.rxjava3.functions.Predicate;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The client's views of the live state, all from the one shared {@link LiveCursor}: {@link
 * RStreamClient#live()} (with the outbox's pending changes over it), its subsets by type and
 * entity, {@link RStreamClient#state()}, and the waits for the live state to reach the server's
 * tail that reads of the past in the live window use too. Thread-safe.
 */
final class LiveStates {
  private final ClosedGate gate;
  private final LiveCursor cursor;
  private final LiveSubsets subsets;
  // Reads that end: the one-shot policy, retries reported to progress.
  private final StreamSource oneShotSource;
  private final RetryPolicy oneShotPolicy;
  private final ObjectMapper mapper;
  private final @Nullable Outbox outbox;
  private final Runnable online;

  LiveStates(
      ClosedGate gate,
      LiveCursor cursor,
      StreamSource oneShotSource,
      RetryPolicy oneShotPolicy,
      ObjectMapper mapper,
      @Nullable Outbox outbox,
      Runnable online) {
    this.gate = gate;
    this.cursor = cursor;
    this.subsets = new LiveSubsets(cursor.updates(), mapper);
    this.oneShotSource = oneShotSource;
    this.oneShotPolicy = oneShotPolicy;
    this.mapper = mapper;
    this.outbox = outbox;
    this.online = online;
  }

  /** See {@link RStreamClient#live()}. */
  Flowable<StateView> live() {
    return gate.whileOpen(
        () -> {
          Flowable<StateView> confirmed = subsets.all().doOnNext(view -> online.run());
          Outbox kept = outbox;
          if (kept == null) return gate.untilClosed(confirmed);
          OutboxOverlay overlay = kept.overlay();
          return gate.untilClosed(overlaid(confirmed, overlay.versions(), overlay::pendingOver));
        });
  }

  /**
   * One view per confirmed state or change of the overlay ({@code versions}), with the pending
   * changes {@code pendingOver} gives for its offset: an echo and the drop of its pending change
   * arrive in the same view. An overlay change shows the last confirmed state again; if that state
   * was the first after a rebuild, the rebuild is told on the first of its views the subscriber
   * gets (whatever conflation skipped), and on no other.
   *
   * <p>Every confirmed state is shown, the first one too: {@code combineLatest} shows nothing until
   * each source has a value and keeps only the latest of the others meanwhile, so {@code versions}
   * is subscribed first and starts with a value of its own (not used). Subscribing to {@code
   * confirmed} may show a state at once (a restarted client's stored one) and start a read whose
   * next state can arrive on another thread before that subscription returns.
   */
  static Flowable<StateView> overlaid(
      Flowable<StateView> confirmed,
      Flowable<Long> versions,
      Function<Offset, List<Change>> pendingOver) {
    return Flowable.defer(
        () -> {
          RebuildTold told = new RebuildTold();
          return Flowable.combineLatest(
                  versions.startWithItem(0L),
                  confirmed,
                  (version, view) -> view.withPending(pendingOver.apply(view.offset())))
              .onBackpressureLatest()
              .map(told::once);
        });
  }

  /**
   * The confirmed state whose rebuild one subscriber was told of last. Its operators run one at a
   * time (Rx's serial contract).
   */
  private static final class RebuildTold {
    private @Nullable StateView told;

    StateView once(StateView view) {
      if (!view.rebuilt()) return view;
      StateView last = told;
      if (last != null && view.sameConfirmedState(last)) return view.notRebuilt();
      told = view;
      return view;
    }
  }

  /** See {@link RStreamClient#live(String)}. */
  Flowable<StateView> ofType(String type) {
    return gate.openUntilClosed(() -> subsets.ofType(type));
  }

  /** See {@link RStreamClient#live(String, String)}. */
  Flowable<EntityView> entity(String type, String key) {
    return gate.openUntilClosed(() -> subsets.entity(type, key));
  }

  /** See {@link RStreamClient#state()}. */
  Single<StateView> state() {
    return Single.defer(
        () -> {
          if (gate.isClosed()) return Single.error(gate.closedError());
          return liveAtTail(u -> false).map(update -> view(update.point(), update.fromStore()));
        });
  }

  /**
   * The first live update that holds at least what the server holds now, or that {@code early}
   * accepts before; bounded by the one-shot retry policy. Until the cursor reaches that tail,
   * progress shows its catch-up to it.
   */
  Single<LiveUpdate> liveAtTail(Predicate<LiveUpdate> early) {
    // What the server holds now: wait until the live state reaches that tail. "Caught up" alone
    // is not enough: a connection that stalls without a word still says it.
    return oneShotSource
        .tail()
        .flatMap(
            end -> {
              cursor.catchUpTo(end);
              return cursor
                  .updates(oneShotPolicy)
                  .filter(u -> u.point().offset().compareTo(end) >= 0 || early.test(u))
                  .firstElement()
                  .switchIfEmpty(
                      Single.error(
                          () -> gate.endedBefore("its tail " + end.value() + " was read")));
            });
  }

  /** The first live update {@code wanted} accepts, bounded by the one-shot retry policy. */
  Single<LiveUpdate> firstLive(Predicate<LiveUpdate> wanted, String what) {
    return cursor
        .updates(oneShotPolicy)
        .filter(wanted)
        .firstElement()
        .switchIfEmpty(Single.error(() -> gate.endedBefore(what)));
  }

  StateView view(WindowPoint point, boolean fromStore) {
    return new StateView(point, fromStore, mapper);
  }
}
