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

  private static void assertSameContent(
      ChampMap<Object, Integer> actual, Map<Object, Integer> expected) {
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
    ChampMap<String, Integer> before = hundredThousandKeys();
    ChampMap<String, Integer> after = before.plus("k42", -1);

    assertOnlyThePathToK42WasCopied(before, after);
  }

  /**
   * Asserts that {@code after} is {@code before} with k42 set to -1, and shares every node with it
   * but the path to k42.
   */
  private static void assertOnlyThePathToK42WasCopied(
      ChampMap<String, Integer> before, ChampMap<String, Integer> after) {
    NodeSharing sharing = NodeSharing.between(after, before);
    // A path has at most ceil(32 / 5) + 1 levels; every other node (100k entries in ~3k nodes) is
    // the same object in both versions.
    assertThat(sharing.fresh).isBetween(1, 8);
    assertThat(sharing.shared).isGreaterThan(3000);
    assertThat(before.get("k42")).isEqualTo(42);
    assertThat(after.get("k42")).isEqualTo(-1);
  }

  /** k0 to k99999, each mapped to its number. */
  private static ChampMap<String, Integer> hundredThousandKeys() {
    ChampMap<String, Integer> map = ChampMap.empty();
    for (int i = 0; i < 100_000; i++) map = map.plus("k" + i, i);
    return map;
  }

  @Test
  void removeSharesAllButThePathToTheRemovedEntry() {
    ChampMap<String, Integer> before = hundredThousandKeys();
    ChampMap<String, Integer> after = before.minus("k77");
    assertThat(NodeSharing.between(after, before).fresh).isBetween(1, 8);
    assertThat(after.size()).isEqualTo(before.size() - 1);
    assertThat(after.get("k77")).isNull();
  }

  /**
   * The nodes of a map that are not nodes of an older version ({@code fresh}) and those that are.
   */
  private static final class NodeSharing {
    int fresh;
    int shared;

    static NodeSharing between(ChampMap<?, ?> after, ChampMap<?, ?> before) {
      NodeSharing sharing = new NodeSharing();
      java.util.Set<ChampNode<?, ?>> old =
          java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      collect(before.root, old);
      java.util.ArrayDeque<ChampNode<?, ?>> todo = new java.util.ArrayDeque<>();
      todo.add(after.root);
      while (!todo.isEmpty()) {
        ChampNode<?, ?> node = todo.poll();
        if (old.contains(node)) {
          java.util.Set<ChampNode<?, ?>> subtree =
              java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
          collect(node, subtree);
          sharing.shared += subtree.size(); // its whole subtree is shared
          continue;
        }
        sharing.fresh++;
        for (int i = 0; i < node.nodeArity(); i++) todo.add(node.node(i));
      }
      return sharing;
    }
  }

  private static void collect(ChampNode<?, ?> node, java.util.Set<ChampNode<?, ?>> into) {
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

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
  void editorMatchesPersistentOperationsAndFrozenMapsNeverChange(long seed) {
    Random random = new Random(seed);
    int keySpace = 1 + random.nextInt(seed % 2 == 0 ? 40 : 4000);
    ChampMap<Object, Integer> persistent = ChampMap.empty();
    ChampMap.Editor<Object, Integer> editor = ChampMap.<Object, Integer>empty().edit();
    List<ChampMap<Object, Integer>> frozen = new ArrayList<>();
    List<Map<Object, Integer>> frozenContent = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      Object key = randomKey(random, keySpace);
      if (random.nextInt(3) == 0) {
        ChampMap<Object, Integer> without = persistent.minus(key);
        assertThat(editor.remove(key)).isEqualTo(without != persistent);
        persistent = without;
      } else {
        // Boxed values from a small range are shared objects: putting the same one is no change.
        Integer value = random.nextInt(10);
        ChampMap<Object, Integer> with = persistent.plus(key, value);
        assertThat(editor.put(key, value)).isEqualTo(with != persistent);
        persistent = with;
      }
      assertThat(editor.size()).isEqualTo(persistent.size());
      Object probe = randomKey(random, keySpace);
      assertThat(editor.get(probe)).isEqualTo(persistent.get(probe));
      // Batches of random length between freezes, as catch-up reads and live changes make them.
      if (random.nextInt(1 + random.nextInt(200)) == 0) {
        ChampMap<Object, Integer> map = editor.freeze();
        assertThat(editor.freeze()).as("nothing changed since").isSameAs(map);
        assertThat(map.size()).isEqualTo(persistent.size());
        if (frozen.size() < 60 && random.nextInt(8) == 0) {
          assertThat(map.asMap()).isEqualTo(persistent.asMap());
          frozen.add(map);
          frozenContent.add(new HashMap<>(persistent.asMap()));
        }
      }
    }
    assertSameContent(editor.freeze(), new HashMap<>(persistent.asMap()));
    // The editor went on changing nodes in place after each freeze: no frozen map saw any of it.
    for (int i = 0; i < frozen.size(); i++) {
      assertSameContent(frozen.get(i), frozenContent.get(i));
    }
    // And the maps the editor started from and read from were never touched either.
    assertThat(ChampMap.empty().size()).isZero();
  }

  @Test
  void editingAFrozenMapLeavesItAndItsSourceUnchanged() {
    ChampMap<String, Integer> source = ChampMap.empty();
    for (int i = 0; i < 10_000; i++) source = source.plus("k" + i, i);
    Map<String, Integer> sourceContent = new HashMap<>(source.asMap());
    ChampMap.Editor<String, Integer> editor = source.edit();
    for (int i = 0; i < 10_000; i += 2) editor.put("k" + i, -i);
    for (int i = 1; i < 10_000; i += 4) editor.remove("k" + i);
    ChampMap<String, Integer> first = editor.freeze();
    Map<String, Integer> firstContent = new HashMap<>(first.asMap());
    Map<String, Integer> expected = new HashMap<>(firstContent);
    for (int i = 0; i < 10_000; i += 3) {
      editor.put("k" + i, 7);
      expected.put("k" + i, 7);
    }
    for (int i = 10_000; i < 12_000; i++) {
      editor.put("k" + i, i);
      expected.put("k" + i, i);
    }
    ChampMap<String, Integer> second = editor.freeze();

    assertSameContent(castKeys(source), castKeys(sourceContent));
    assertSameContent(castKeys(first), castKeys(firstContent));
    assertThat(first.size()).isEqualTo(7_500);
    assertThat(second.get("k3")).isEqualTo(7);
    assertThat(second.get("k11999")).isEqualTo(11_999);
    assertSameContent(castKeys(second), castKeys(expected));
  }

  @Test
  void oneChangeAfterAFreezeSharesAllButItsPath() {
    ChampMap.Editor<String, Integer> editor = ChampMap.<String, Integer>empty().edit();
    for (int i = 0; i < 100_000; i++) editor.put("k" + i, i);
    ChampMap<String, Integer> before = editor.freeze();
    editor.put("k42", -1);
    ChampMap<String, Integer> after = editor.freeze();
    assertOnlyThePathToK42WasCopied(before, after);
  }

  @Test
  void aBatchCopiesEachNodeAtMostOnce() {
    ChampMap<String, Integer> before = hundredThousandKeys();
    ChampMap.Editor<String, Integer> editor = before.edit();
    for (int i = 0; i < 1_000; i++) editor.put("k" + i, -i);
    ChampMap<String, Integer> after = editor.freeze();
    NodeSharing sharing = NodeSharing.between(after, before);
    // 1,000 changes through plus() make 1,000 path copies of 3 to 4 nodes each; in place, a node
    // is copied once however many of the batch's changes pass through it (the root and the 32
    // nodes below it once for all 1,000, then about one leaf per change).
    assertThat(sharing.fresh).isLessThan(2_000);
    assertThat(sharing.shared).isGreaterThan(1_000);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static ChampMap<Object, Integer> castKeys(ChampMap<String, Integer> map) {
    return (ChampMap) map;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Map<Object, Integer> castKeys(Map<String, Integer> map) {
    return (Map) map;
  }
}
