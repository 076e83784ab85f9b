package dev.rstream.internal.state;

import dev.rstream.Change;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Materialised state: (type, key) to value JSON text. Immutable; {@link #apply} returns a new
 * version in O(log n) time and memory that shares everything else with this one, so keeping one
 * version per change costs the size of the changes, not of the state.
 *
 * <p>A run of changes of which only the last state is kept (a catch-up batch, a keyframe, a replay)
 * goes through an {@link Editor} instead: it changes its own nodes in place and copies each path
 * once per run, not once per change.
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

  /**
   * The persistent map of the entities of {@code type}, or null if there are none: the same object
   * in every later state until an entity of {@code type} changes, so a caller that kept it can tell
   * in O(1) that none did.
   */
  public @Nullable ChampMap<String, String> entityMap(String type) {
    return byType.get(type);
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

  /**
   * Whether the entities of {@code type} are the same here as in {@code before}: the same keys with
   * equal value texts. In O(1) when this state was made from {@code before} by changes to other
   * types, else by a walk of what the two do not share ({@link ChampDiff}), stopping at the first
   * difference.
   */
  public boolean sameEntities(State before, String type) {
    ChampMap<String, String> was = before.byType.get(type);
    ChampMap<String, String> now = byType.get(type);
    if (was == now) return true;
    return ChampDiff.diff(orEmpty(was), orEmpty(now), (key, a, b) -> a != null && a.equals(b));
  }

  /**
   * Type to keys of the entities whose value differs between {@code before} and this state:
   * inserted, updated to another value, or deleted. Types with no such entity are absent. In
   * O(changes x depth) when one state was made from the other by changes, in O(size) when the two
   * were built apart (a keyframe's state). Unmodifiable.
   */
  public Map<String, Set<String>> changedKeys(State before) {
    if (before == this) return Collections.emptyMap();
    Map<String, Set<String>> changed = new LinkedHashMap<>();
    ChampDiff.diff(
        before.byType,
        byType,
        (type, was, now) -> {
          Set<String> keys = new LinkedHashSet<>();
          ChampDiff.diff(
              orEmpty(was),
              orEmpty(now),
              (key, a, b) -> {
                if (a == null || !a.equals(b)) keys.add(key);
                return true;
              });
          if (!keys.isEmpty()) changed.put(type, Collections.unmodifiableSet(keys));
          return true;
        });
    return changed.isEmpty() ? Collections.emptyMap() : Collections.unmodifiableMap(changed);
  }

  private static ChampMap<String, String> orEmpty(@Nullable ChampMap<String, String> map) {
    return map == null ? ChampMap.empty() : map;
  }

  /** An editor starting from this state; this state never changes. */
  public Editor edit() {
    return new Editor(this);
  }

  /**
   * Applies changes in place and hands out immutable {@link State}s with {@link #freeze}, after
   * which it goes on from the frozen state. Equivalent to a chain of {@link State#apply}, without a
   * path copy per change. Confined to one thread.
   */
  public static final class Editor {
    private ChampMap<String, ChampMap<String, String>> byType;
    private final Map<String, ChampMap.Editor<String, String>> editors = new HashMap<>();
    // Types changed since the last freeze; there are few types, and usually one per batch.
    private final List<String> dirty = new ArrayList<>(2);
    private @Nullable String lastType;
    private ChampMap.@Nullable Editor<String, String> lastEditor;
    private int size;
    private @Nullable State frozen;

    Editor(State from) {
      byType = from.byType;
      size = from.size;
      frozen = from;
    }

    /** Number of entities over all types. */
    public int size() {
      return size;
    }

    /** As {@link State#apply}: insert and update put the value, delete removes. */
    public void apply(Change change) {
      String type = change.type();
      ChampMap.Editor<String, String> entities;
      ChampMap.Editor<String, String> last = lastEditor;
      // Types are shared Strings (the decoder interns them), so a run of one type hits here.
      if (last != null && (type == lastType || type.equals(lastType))) {
        entities = last;
      } else {
        entities = editors.get(type);
        if (entities == null) {
          ChampMap<String, String> existing = byType.get(type);
          if (existing == null) {
            if (change.operation() == Change.Operation.DELETE) return;
            existing = ChampMap.empty();
          }
          entities = existing.edit();
          editors.put(type, entities);
        }
        lastType = type;
        lastEditor = entities;
      }
      boolean wasUnchanged = entities.unchanged();
      if (change.operation() == Change.Operation.DELETE) {
        if (!entities.remove(change.key())) return;
        size--;
      } else {
        String value = change.value();
        if (value == null) throw new IllegalArgumentException(change + " has no value");
        int before = entities.size();
        if (!entities.put(change.key(), value)) return; // the same value object again
        size += entities.size() - before;
      }
      if (wasUnchanged) dirty.add(type);
      frozen = null;
    }

    /** The state as of now, in O(changed types); the same instance while nothing changed. */
    public State freeze() {
      State result = frozen;
      if (result != null) return result;
      for (int i = 0, n = dirty.size(); i < n; i++) {
        String type = dirty.get(i);
        // A dirty type was edited, so it has an editor.
        ChampMap<String, String> entities =
            java.util.Objects.requireNonNull(editors.get(type)).freeze();
        byType = entities.isEmpty() ? byType.minus(type) : byType.plus(type, entities);
      }
      dirty.clear();
      result = new State(byType, size);
      frozen = result;
      return result;
    }
  }

  /** Equal content: the same entities with the same value texts. */
  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) return true;
    if (!(o instanceof State)) return false;
    State that = (State) o;
    if (size != that.size || byType.size() != that.byType.size()) return false;
    boolean[] equal = {true};
    // The per-type maps are compared by content (ChampMap itself compares by identity).
    byType.forEach(
        (type, entities) -> {
          ChampMap<String, String> other = that.byType.get(type);
          if (equal[0] && entities != other) {
            equal[0] = other != null && entities.asMap().equals(other.asMap());
          }
        });
    return equal[0];
  }

  @Override
  public int hashCode() {
    int[] hash = {0};
    byType.forEach((type, entities) -> hash[0] += type.hashCode() ^ entities.asMap().hashCode());
    return hash[0];
  }

  @Override
  public String toString() {
    return "State{size=" + size + "}";
  }
}
