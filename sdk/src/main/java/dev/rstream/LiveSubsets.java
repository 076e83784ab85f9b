package dev.rstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.internal.live.LiveUpdate;
import dev.rstream.internal.state.State;
import io.reactivex.rxjava3.core.Flowable;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@link RStreamClient#live()}, {@link RStreamClient#live(String)} and {@link
 * RStreamClient#live(String, String)} make of the one live cursor's updates: per subscription, the
 * views it wants, each knowing the state of the view before it (for {@link
 * StateView#changedKeys()}).
 *
 * <p>Conflation comes before the choice: a slow subscriber skips states, and what it is then shown
 * is decided against the view it got last, so it is never woken by a state that, against that view,
 * changed nothing it asked for.
 */
final class LiveSubsets {
  private final Flowable<LiveUpdate> conflated;
  private final ObjectMapper mapper;

  LiveSubsets(Flowable<LiveUpdate> updates, ObjectMapper mapper) {
    this.conflated =
        updates
            // The cursor repeats a state to flag that it has caught up; subscribers see it once.
            .distinctUntilChanged((a, b) -> LiveUpdate.samePoint(a.point(), b.point(), false))
            .onBackpressureLatest();
    this.mapper = mapper;
  }

  /** Every live state. */
  Flowable<StateView> all() {
    return Flowable.defer(
        () -> {
          Delivered delivered = new Delivered();
          return conflated.map(delivered::view);
        });
  }

  /** The live states in which the entities of {@code type} differ from the last one delivered. */
  Flowable<StateView> ofType(String type) {
    return Flowable.defer(
        () -> {
          Delivered delivered = new Delivered();
          return conflated
              .filter(
                  u -> {
                    State last = delivered.last;
                    return last == null || !u.point().state().sameEntities(last, type);
                  })
              .map(delivered::view);
        });
  }

  /** The entity {@code type}/{@code key} in the live states where its value differs from before. */
  Flowable<EntityView> entity(String type, String key) {
    return Flowable.defer(
        () -> {
          Delivered delivered = new Delivered();
          return conflated
              .filter(
                  u -> {
                    State last = delivered.last;
                    return last == null
                        || !Objects.equals(last.get(type, key), u.point().state().get(type, key));
                  })
              .map(
                  u -> {
                    StateView view = delivered.view(u);
                    return new EntityView(type, key, view.json(type, key), view);
                  });
        });
  }

  /**
   * The state last delivered to one subscriber. Its operators run one at a time (Rx's serial
   * contract), and the conflation before them publishes what they wrote to the next thread.
   */
  private final class Delivered {
    @Nullable State last;

    StateView view(LiveUpdate update) {
      State before = last;
      State now = update.point().state();
      last = now;
      return new StateView(
          update.point(), update.fromStore(), mapper, before == null ? State.empty() : before);
    }
  }
}
