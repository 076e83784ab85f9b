package dev.rstream.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Change;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChampDiffTest {
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
  void diffOfDerivedAndSeparatelyBuiltMapsIsWhatDiffers(long seed) {
    Random random = new Random(seed);
    int keySpace = 1 + random.nextInt(seed % 2 == 0 ? 40 : 3000);
    ChampMap<Object, String> before = ChampMap.empty();
    for (int i = 0; i < keySpace * 2; i++) before = randomOp(random, before, keySpace);
    for (int round = 0; round < 30; round++) {
      ChampMap<Object, String> after = before;
      int ops = 1 + random.nextInt(round % 3 == 0 ? keySpace : 5);
      for (int i = 0; i < ops; i++) after = randomOp(random, after, keySpace);
      Set<Object> expected = differing(copy(before), copy(after));

      assertThat(equalFiltered(before, after)).isEqualTo(expected);
      // The same content built apart shares no node with either: walked whole, same answer.
      ChampMap<Object, String> apart = rebuilt(copy(after), random);
      assertThat(equalFiltered(before, apart)).isEqualTo(expected);
      assertThat(equalFiltered(after, apart)).isEmpty();
      assertThat(equalFiltered(apart, before)).isEqualTo(expected);
      before = after;
    }
  }

  @Test
  void aVisitorThatAnswersFalseStopsTheWalk() {
    ChampMap<Object, String> a = ChampMap.empty();
    ChampMap<Object, String> b = ChampMap.empty();
    for (int i = 0; i < 500; i++) b = b.plus("k" + i, "v");
    int[] visits = {0};
    boolean finished =
        ChampDiff.diff(
            a,
            b,
            (k, x, y) -> {
              visits[0]++;
              return false;
            });
    assertThat(finished).isFalse();
    assertThat(visits[0]).isEqualTo(1);
    assertThat(ChampDiff.diff(b, b, (k, x, y) -> false)).isTrue();
  }

  @Test
  void stateSaysWhichEntitiesChangedAndWhetherATypeDid() {
    State before =
        State.empty()
            .apply(Change.insert("order", "o1", "{\"n\":1}"))
            .apply(Change.insert("order", "o2", "{\"n\":2}"))
            .apply(Change.insert("customer", "c1", "{}"));
    State after =
        before
            .apply(Change.update("order", "o1", "{\"n\":1}")) // the same text: no change
            .apply(Change.update("order", "o2", "{\"n\":3}"))
            .apply(Change.delete("customer", "c1"))
            .apply(Change.insert("item", "i1", "{}"));
    assertThat(after.changedKeys(before))
        .containsOnlyKeys("order", "customer", "item")
        .containsEntry("order", Set.of("o2"))
        .containsEntry("customer", Set.of("c1"))
        .containsEntry("item", Set.of("i1"));
    assertThat(after.changedKeys(after)).isEmpty();
    assertThat(after.sameEntities(before, "order")).isFalse();
    assertThat(after.sameEntities(before, "customer")).isFalse();
    assertThat(after.sameEntities(before, "nothing")).isTrue();

    State otherTypeOnly = before.apply(Change.insert("customer", "c2", "{}"));
    assertThat(otherTypeOnly.sameEntities(before, "order")).isTrue();
    // A keyframe's state is built apart: equal content is the same entities, nothing changed.
    State.Editor keyframe = State.empty().edit();
    before.entities("customer").forEach((k, v) -> keyframe.apply(Change.insert("customer", k, v)));
    before.entities("order").forEach((k, v) -> keyframe.apply(Change.insert("order", k, v)));
    State rebuilt = keyframe.freeze();
    assertThat(rebuilt.sameEntities(before, "order")).isTrue();
    assertThat(rebuilt.changedKeys(before)).isEmpty();
    assertThat(before.changedKeys(State.empty()))
        .isEqualTo(Map.of("order", Set.of("o1", "o2"), "customer", Set.of("c1")));
  }

  private static ChampMap<Object, String> randomOp(
      Random random, ChampMap<Object, String> map, int keySpace) {
    Object key = randomKey(random, keySpace);
    if (random.nextInt(3) == 0) return map.minus(key);
    // New String objects: an equal value written again is a different object, as after decoding.
    return map.plus(key, new String("v" + random.nextInt(4)));
  }

  private static Object randomKey(Random random, int keySpace) {
    int n = random.nextInt(keySpace);
    // Shared hash values reach the collision nodes below the last level.
    return random.nextInt(4) == 0 ? new ChampMapTest.Colliding(n, n % 7) : "k" + n;
  }

  private static Map<Object, String> copy(ChampMap<Object, String> map) {
    Map<Object, String> copy = new HashMap<>();
    map.forEach(copy::put);
    return copy;
  }

  private static Set<Object> differing(Map<Object, String> a, Map<Object, String> b) {
    Set<Object> keys = new HashSet<>(a.keySet());
    keys.addAll(b.keySet());
    keys.removeIf(k -> Objects.equals(a.get(k), b.get(k)));
    return keys;
  }

  private static ChampMap<Object, String> rebuilt(Map<Object, String> content, Random random) {
    List<Object> keys = new ArrayList<>(content.keySet());
    Collections.shuffle(keys, random);
    ChampMap<Object, String> map = ChampMap.empty();
    for (Object key : keys) map = map.plus(key, new String(content.get(key)));
    return map;
  }

  /** The keys the diff reports whose values are not equal; checks each is reported once. */
  private static Set<Object> equalFiltered(ChampMap<Object, String> a, ChampMap<Object, String> b) {
    Set<Object> seen = new HashSet<>();
    Set<Object> differing = new HashSet<>();
    ChampDiff.diff(
        a,
        b,
        (key, x, y) -> {
          assertThat(seen.add(key)).as("%s reported once", key).isTrue();
          assertThat(x).isSameAs(a.get(key));
          assertThat(y).isSameAs(b.get(key));
          if (!Objects.equals(x, y)) differing.add(key);
          return true;
        });
    return differing;
  }
}
