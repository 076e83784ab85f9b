package dev.rstream.chaos;

import dev.rstream.StateView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** What a view holds that a replayed state does not, and back: the words of a violation. */
final class StateDiff {
  private StateDiff() {}

  /**
   * How {@code view} differs from {@code expected} (entities keyed {@code type + '\0' + key}): the
   * number of entities that differ and the first five.
   */
  static String describe(StateView view, Map<String, String> expected) {
    Map<String, String> actual = new TreeMap<>();
    for (String type : view.types()) {
      view.entities(type).forEach((key, value) -> actual.put(type + '\u0000' + key, value));
    }
    List<String> differences = new ArrayList<>();
    for (String entity : new TreeSet<>(union(expected.keySet(), actual.keySet()))) {
      String want = expected.get(entity);
      String got = actual.get(entity);
      if (!Objects.equals(want, got)) {
        differences.add(entity.replace('\u0000', '/') + " log=" + want + " view=" + got);
      }
    }
    return differences.size()
        + " entities differ "
        + differences.subList(0, Math.min(5, differences.size()));
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return all;
  }
}
