package dev.rstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.internal.live.LiveUpdate;
import dev.rstream.internal.state.ChampMap;
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
 * is decided against the view it got last (every state a filter passes is delivered), so it is
 * never woken by a state that, against that view, changed nothing it asked for.
 */
final class LiveSubsets {
  private final Flowable<LiveUpdate> conflated;
  private final ObjectMapper mapper;

  LiveSubsets(Flowable<LiveUpdate> updates, ObjectMapper mapper) {
    // The cursor repeats a state to flag that it has caught up; subscribers see it once.
    this.conflated =
        updates
            .distinctUntilChanged((a, b) -> LiveUpdate.samePoint(a.point(), b.point(), false))
            // Requests without end from the shared cursor, whose every request(n) visits all its
            // subscribers: the filters below drop states here, where a request costs nothing.
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
          TypeSeen seen = new TypeSeen();
          return conflated.filter(u -> seen.changed(u.point().state(), type)).map(delivered::view);
        });
  }

  /** The entity {@code type}/{@code key} in the live states where its value differs from before. */
  Flowable<EntityView> entity(String type, String key) {
    return Flowable.defer(
        () -> {
          Delivered delivered = new Delivered();
          EntitySeen seen = new EntitySeen();
          return conflated
              .filter(u -> seen.changed(u.point().state(), type, key))
              .map(
                  u -> {
                    StateView view = delivered.view(u);
                    return new EntityView(type, key, view.json(type, key), view);
                  });
        });
  }

  /**
   * The entities of a type as one subscriber was last shown them. While a state holds the same map,
   * none changed (O(1)); a new map with the same content (a keyframe's) is walked once.
   */
  private static final class TypeSeen {
    private @Nullable State last;
    private @Nullable ChampMap<String, String> entities;

    boolean changed(State state, String type) {
      ChampMap<String, String> now = state.entityMap(type);
      State before = last;
      if (before != null && now == entities) return false;
      boolean changed = before == null || !state.sameEntities(before, type);
      last = state;
      entities = now;
      return changed;
    }
  }

  /**
   * The entity as one subscriber last saw it: the type's map it was read from and its value. While
   * a state holds that same map, no entity of the type changed and the value is not looked up.
   */
  private static final class EntitySeen {
    private boolean started;
    private @Nullable ChampMap<String, String> entities;
    private @Nullable String value;

    boolean changed(State state, String type, String key) {
      ChampMap<String, String> now = state.entityMap(type);
      if (started && now == entities) return false;
      String nowValue = now == null ? null : now.get(key);
      boolean changed = !started || !Objects.equals(nowValue, value);
      started = true;
      entities = now;
      value = nowValue;
      return changed;
    }
  }

  /**
   * The state last delivered to one subscriber. Its operators run one at a time (Rx's serial
   * contract), and the conflation before them publishes what they wrote to the next thread.
   */
  private final class Delivered {
    @Nullable State last;
    int rebuilds; // of the update last delivered

    StateView view(LiveUpdate update) {
      State before = last;
      State now = update.point().state();
      // A rebuild, or several, since the last view: whatever conflation or a filter skipped, the
      // first view after it says so.
      boolean rebuilt = before != null && update.rebuilds() != rebuilds;
      last = now;
      rebuilds = update.rebuilds();
      return new StateView(
          update.point(),
          update.fromStore(),
          rebuilt,
          mapper,
          before == null ? State.empty() : before);
    }
  }
}
