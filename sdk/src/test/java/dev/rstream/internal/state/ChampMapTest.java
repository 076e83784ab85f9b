package dev.rstream.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChampMapTest {
  /** Keys whose hash codes collide fully, to reach the collision nodes below the last level. */
  record Colliding(int id, int hash) {
    @Override
    public int hashCode() {
      return hash;
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
  void randomOperationsMatchHashMap(long seed) {
    Random random = new Random(seed);
    int keySpace = 1 + random.nextInt(seed % 2 == 0 ? 50 : 5000);
    Map<Object, Integer> expected = new HashMap<>();
    ChampMap<Object, Integer> actual = ChampMap.empty();
    for (int i = 0; i < 20_000; i++) {
      Object key = randomKey(random, keySpace);
      if (random.nextInt(3) == 0) {
        expected.remove(key);
        actual = actual.minus(key);
      } else {
        int value = random.nextInt(10);
        expected.put(key, value);
        actual = actual.plus(key, value);
      }
      if (i % 997 == 0) assertSameContent(actual, expected);
      Object probe = randomKey(random, keySpace);
      assertThat(actual.get(probe)).isEqualTo(expected.get(probe));
      assertThat(actual.size()).isEqualTo(expected.size());
    }
    assertSameContent(actual, expected);
    // Removing everything leaves the canonical empty trie behind.
    for (Object key : new ArrayList<>(expected.keySet())) actual = actual.minus(key);
    assertThat(actual.size()).isZero();
    assertThat(actual.root.payloadArity() + actual.root.nodeArity()).isZero();
  }

  private static Object randomKey(Random random, int keySpace) {
    int n = random.nextInt(keySpace);
    // A few hash values shared by many keys exercise collision nodes at every depth.
    return random.nextInt(4) == 0 ? new Colliding(n, n % 7) : "k" + n;
  }

  private static void assertSameContent(ChampMap<Object, Integer> actual, Map<Object, Integer> expected) {
    assertThat(actual.asMap()).isEqualTo(expected);
    Map<Object, Integer> iterated = new HashMap<>();
    actual.forEach((k, v) -> assertThat(iterated.put(k, v)).as("duplicate key %s", k).isNull());
    assertThat(iterated).isEqualTo(expected);
    assertThat(actual.asMap().entrySet()).hasSize(expected.size());
  }

  @Test
  void earlierVersionsStayUnchanged() {
    List<ChampMap<String, Integer>> versions = new ArrayList<>();
    ChampMap<String, Integer> map = ChampMap.empty();
    for (int i = 0; i < 2000; i++) {
      versions.add(map);
      map = i % 5 == 4 ? map.minus("k" + (i - 3)) : map.plus("k" + i, i);
    }
    Map<String, Integer> expected = new HashMap<>();
    for (int i = 0; i < 2000; i++) {
      assertThat(versions.get(i).asMap()).isEqualTo(expected);
      if (i % 5 == 4) expected.remove("k" + (i - 3));
      else expected.put("k" + i, i);
    }
  }

  @Test
  void putSharesAllButThePathToTheChangedEntry() {
    ChampMap<String, Integer> before = ChampMap.empty();
    for (int i = 0; i < 100_000; i++) before = before.plus("k" + i, i);
    ChampMap<String, Integer> after = before.plus("k42", -1);

    int[] fresh = new int[1];
    int[] shared = new int[1];
    countNodes(after.root, before.root, fresh, shared);
    // A path has at most ceil(32 / 5) + 1 levels; every other node (100k entries in ~3k nodes) is
    // the same object in both versions.
    assertThat(fresh[0]).isBetween(1, 8);
    assertThat(shared[0]).isGreaterThan(3000);
    assertThat(before.get("k42")).isEqualTo(42);
    assertThat(after.get("k42")).isEqualTo(-1);
  }

  @Test
  void removeSharesAllButThePathToTheRemovedEntry() {
    ChampMap<String, Integer> before = ChampMap.empty();
    for (int i = 0; i < 100_000; i++) before = before.plus("k" + i, i);
    ChampMap<String, Integer> after = before.minus("k77");
    int[] fresh = new int[1];
    int[] shared = new int[1];
    countNodes(after.root, before.root, fresh, shared);
    assertThat(fresh[0]).isBetween(1, 8);
    assertThat(after.size()).isEqualTo(before.size() - 1);
    assertThat(after.get("k77")).isNull();
  }

  /** Counts nodes of {@code after} that are not nodes of {@code before} (fresh) and those that are. */
  private static void countNodes(
      ChampMap.Node<?, ?> after, ChampMap.Node<?, ?> before, int[] fresh, int[] shared) {
    java.util.Set<ChampMap.Node<?, ?>> old = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    collect(before, old);
    java.util.ArrayDeque<ChampMap.Node<?, ?>> todo = new java.util.ArrayDeque<>();
    todo.add(after);
    while (!todo.isEmpty()) {
      ChampMap.Node<?, ?> node = todo.poll();
      if (old.contains(node)) {
        java.util.Set<ChampMap.Node<?, ?>> subtree =
            java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        collect(node, subtree);
        shared[0] += subtree.size(); // its whole subtree is shared
        continue;
      }
      fresh[0]++;
      for (int i = 0; i < node.nodeArity(); i++) todo.add(node.node(i));
    }
  }

  private static void collect(ChampMap.Node<?, ?> node, java.util.Set<ChampMap.Node<?, ?>> into) {
    into.add(node);
    for (int i = 0; i < node.nodeArity(); i++) collect(node.node(i), into);
  }

  @Test
  void puttingTheSameValueReturnsTheSameMap() {
    String value = "v";
    ChampMap<String, String> map = ChampMap.<String, String>empty().plus("a", value);
    assertThat(map.plus("a", value)).isSameAs(map);
    assertThat(map.minus("absent")).isSameAs(map);
  }
}
