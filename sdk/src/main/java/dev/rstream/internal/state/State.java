package dev.rstream.internal.state;

import dev.rstream.Change;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Materialised state: (type, key) to value JSON text. Immutable; {@link #apply} returns a new
 * version in O(log n) time and memory that shares everything else with this one, so keeping one
 * version per change costs the size of the changes, not of the state.
 */
public final class State {
  private static final State EMPTY = new State(ChampMap.empty(), 0);

  final ChampMap<String, ChampMap<String, String>> byType;
  private final int size;

  private State(ChampMap<String, ChampMap<String, String>> byType, int size) {
    this.byType = byType;
    this.size = size;
  }

  public static State empty() {
    return EMPTY;
  }

  /** Number of entities over all types. */
  public int size() {
    return size;
  }

  public @Nullable String get(String type, String key) {
    ChampMap<String, String> entities = byType.get(type);
    return entities == null ? null : entities.get(key);
  }

  /** Key to value JSON of every entity of {@code type}; an unmodifiable view. */
  public Map<String, String> entities(String type) {
    ChampMap<String, String> entities = byType.get(type);
    return entities == null ? Collections.emptyMap() : entities.asMap();
  }

  /** The types that have at least one entity; an unmodifiable view. */
  public Set<String> types() {
    return byType.asMap().keySet();
  }

  /** This state with {@code change} applied: insert and update put the value, delete removes. */
  public State apply(Change change) {
    String type = change.type();
    ChampMap<String, String> entities = byType.get(type);
    if (change.operation() == Change.Operation.DELETE) {
      if (entities == null) return this;
      ChampMap<String, String> without = entities.minus(change.key());
      if (without == entities) return this;
      return new State(
          without.isEmpty() ? byType.minus(type) : byType.plus(type, without), size - 1);
    }
    String value = change.value();
    if (value == null) throw new IllegalArgumentException(change + " has no value");
    if (entities == null) entities = ChampMap.empty();
    ChampMap<String, String> with = entities.plus(change.key(), value);
    if (with == entities) return this;
    return new State(byType.plus(type, with), size + (with.size() - entities.size()));
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof State)) return false;
    State that = (State) o;
    return size == that.size && byType.asMap().equals(that.byType.asMap());
  }

  @Override
  public int hashCode() {
    return byType.asMap().hashCode();
  }

  @Override
  public String toString() {
    return "State{size=" + size + "}";
  }
}
