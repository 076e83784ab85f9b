package dev.rstream.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Change;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StateTest {
  @Test
  void applyingChangesMatchesAPlainMapAndKeepsEarlierVersions() {
    Random random = new Random(3);
    Map<String, Map<String, String>> expected = new HashMap<>();
    State state = State.empty();
    State[] versions = new State[3000];
    int[] sizes = new int[3000];
    for (int i = 0; i < 3000; i++) {
      versions[i] = state;
      sizes[i] = state.size();
      String type = "t" + random.nextInt(4);
      String key = "k" + random.nextInt(100);
      Change change =
          random.nextInt(3) == 0
              ? Change.delete(type, key)
              : Change.update(type, key, Integer.toString(random.nextInt(50)));
      state = state.apply(change);
      if (change.operation() == Change.Operation.DELETE) {
        Map<String, String> entities = expected.get(type);
        if (entities != null) {
          entities.remove(key);
          if (entities.isEmpty()) expected.remove(type);
        }
      } else {
        expected.computeIfAbsent(type, t -> new HashMap<>()).put(key, change.value());
      }
      int total = expected.values().stream().mapToInt(Map::size).sum();
      assertThat(state.size()).isEqualTo(total);
    }
    for (String type : expected.keySet())
      assertThat(state.entities(type)).isEqualTo(expected.get(type));
    assertThat(state.types()).isEqualTo(expected.keySet());
    for (int i = 0; i < 3000; i++) assertThat(versions[i].size()).isEqualTo(sizes[i]);
  }

  @Test
  void deletingAnAbsentEntityReturnsTheSameState() {
    State state = State.empty().apply(Change.insert("t", "a", "1"));
    assertThat(state.apply(Change.delete("t", "b"))).isSameAs(state);
    assertThat(state.apply(Change.delete("u", "a"))).isSameAs(state);
    assertThat(state.apply(Change.delete("t", "a")).types()).isEmpty();
  }

  @Test
  void anEditorAppliesLikeAChainOfAppliesAndLeavesFrozenStatesAlone() {
    Random random = new Random(11);
    State persistent = State.empty();
    State.Editor editor = State.empty().edit();
    java.util.List<State> frozen = new java.util.ArrayList<>();
    java.util.List<State> expectedAtFreeze = new java.util.ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      String type = "t" + random.nextInt(3);
      String key = "k" + random.nextInt(random.nextBoolean() ? 20 : 2_000);
      Change change =
          random.nextInt(4) == 0
              ? Change.delete(type, key)
              : Change.update(type, key, Integer.toString(random.nextInt(50)));
      persistent = persistent.apply(change);
      editor.apply(change);
      assertThat(editor.size()).isEqualTo(persistent.size());
      if (random.nextInt(64) == 0) {
        State state = editor.freeze();
        assertThat(editor.freeze()).isSameAs(state);
        assertThat(state).isEqualTo(persistent);
        assertThat(state.types()).isEqualTo(persistent.types());
        frozen.add(state);
        expectedAtFreeze.add(persistent);
      }
    }
    assertThat(editor.freeze()).isEqualTo(persistent);
    for (int i = 0; i < frozen.size(); i++) {
      assertThat(frozen.get(i)).isEqualTo(expectedAtFreeze.get(i));
      for (String type : expectedAtFreeze.get(i).types()) {
        assertThat(frozen.get(i).entities(type)).isEqualTo(expectedAtFreeze.get(i).entities(type));
      }
    }
  }

  @Test
  void anEditorThatChangedNothingFreezesToTheStateItStartedFrom() {
    State state = State.empty().apply(Change.insert("t", "a", "1"));
    State.Editor editor = state.edit();
    editor.apply(Change.delete("t", "b"));
    editor.apply(Change.delete("u", "a"));
    assertThat(editor.freeze()).isSameAs(state);
    editor.apply(Change.delete("t", "a"));
    assertThat(editor.freeze().types()).isEmpty();
    assertThat(editor.freeze().size()).isZero();
    assertThat(state.get("t", "a")).isEqualTo("1");
  }
}
