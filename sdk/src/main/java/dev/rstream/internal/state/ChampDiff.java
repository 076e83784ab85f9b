package dev.rstream.internal.state;

import org.jspecify.annotations.Nullable;

/**
 * The entries in which two {@link ChampMap}s differ, found by walking both tries together: a
 * sub-trie the two share (the same node) is skipped whole, so two versions of a map that differ by
 * a few changes cost O(changes x depth), not O(size). Two maps that share nothing (built apart, as
 * a keyframe's state is) are walked whole, in O(size), with no allocation beyond the walk.
 *
 * <p>It relies on the trie being canonical (an entry sits at the same place in every map that holds
 * it, whatever the history of the map), which {@link ChampMap} keeps.
 */
public final class ChampDiff {
  private ChampDiff() {}

  /** Told each entry whose value differs by identity; returns false to stop the walk. */
  public interface Visitor<K, V> {
    /**
     * {@code key} has value {@code before} in the first map and {@code after} in the second (null
     * where absent), and the two are not the same object. Returns whether to go on.
     */
    boolean visit(K key, @Nullable V before, @Nullable V after);
  }

  /**
   * Calls {@code visitor} for every key whose value in {@code before} is not the same object as in
   * {@code after} (present in one only, or different values), in an unspecified order, until it
   * returns false. Returns false if the visitor stopped the walk.
   */
  public static <K, V> boolean diff(
      ChampMap<K, V> before, ChampMap<K, V> after, Visitor<? super K, ? super V> visitor) {
    return nodes(before.root, after.root, 0, visitor);
  }

  private static int hash(Object key) {
    int h = key.hashCode();
    return h ^ (h >>> 16); // as ChampMap.spread
  }

  private static <K, V> boolean nodes(
      ChampNode<K, V> a, ChampNode<K, V> b, int shift, Visitor<? super K, ? super V> v) {
    if (a == b) return true;
    if (!(a instanceof ChampBitmapNode) || !(b instanceof ChampBitmapNode)) {
      return anyNodes(a, b, shift, v); // collision nodes: small, below the last level
    }
    ChampBitmapNode<K, V> x = (ChampBitmapNode<K, V>) a;
    ChampBitmapNode<K, V> y = (ChampBitmapNode<K, V>) b;
    int xData = x.dataMap;
    int xNodes = x.nodeMap;
    int yData = y.dataMap;
    int yNodes = y.nodeMap;
    int bits = xData | xNodes | yData | yNodes;
    while (bits != 0) {
      int bit = Integer.lowestOneBit(bits);
      bits &= ~bit;
      if ((xData & bit) != 0) {
        int i = Integer.bitCount(xData & (bit - 1));
        K key = x.key(i);
        V value = x.value(i);
        if ((yData & bit) != 0) {
          int j = Integer.bitCount(yData & (bit - 1));
          K other = y.key(j);
          V otherValue = y.value(j);
          if (key.equals(other)) {
            if (value != otherValue && !v.visit(key, value, otherValue)) return false;
          } else if (!v.visit(key, value, null) || !v.visit(other, null, otherValue)) {
            return false;
          }
        } else if ((yNodes & bit) != 0) {
          if (!entryAgainstNode(key, value, y.node(nodeIndex(yNodes, bit)), shift, v, true)) {
            return false;
          }
        } else if (!v.visit(key, value, null)) {
          return false;
        }
      } else if ((xNodes & bit) != 0) {
        ChampNode<K, V> sub = x.node(nodeIndex(xNodes, bit));
        if ((yData & bit) != 0) {
          int j = Integer.bitCount(yData & (bit - 1));
          if (!entryAgainstNode(y.key(j), y.value(j), sub, shift, v, false)) return false;
        } else if ((yNodes & bit) != 0) {
          if (!nodes(sub, y.node(nodeIndex(yNodes, bit)), shift + 5, v)) return false;
        } else if (!all(sub, v, true)) {
          return false;
        }
      } else if ((yData & bit) != 0) {
        int j = Integer.bitCount(yData & (bit - 1));
        if (!v.visit(y.key(j), null, y.value(j))) return false;
      } else if (!all(y.node(nodeIndex(yNodes, bit)), v, false)) {
        return false;
      }
    }
    return true;
  }

  private static int nodeIndex(int nodeMap, int bit) {
    return Integer.bitCount(nodeMap & (bit - 1));
  }

  /**
   * One side holds {@code key} inline where the other holds a sub-trie: {@code key} is compared
   * with its value in the sub-trie, every other entry of it is on that side only. {@code
   * entryBefore}: the inline entry is in the first map.
   */
  private static <K, V> boolean entryAgainstNode(
      K key,
      V value,
      ChampNode<K, V> sub,
      int shift,
      Visitor<? super K, ? super V> v,
      boolean entryBefore) {
    V inSub = sub.get(key, hash(key), shift + 5);
    if (inSub != value) {
      boolean goOn = entryBefore ? v.visit(key, value, inSub) : v.visit(key, inSub, value);
      if (!goOn) return false;
    }
    boolean[] goOn = {true};
    sub.forEach(
        (k, val) -> {
          if (!goOn[0] || k.equals(key)) return;
          goOn[0] = entryBefore ? v.visit(k, null, val) : v.visit(k, val, null);
        });
    return goOn[0];
  }

  /** Every entry of {@code node} is on one side only. */
  private static <K, V> boolean all(
      ChampNode<K, V> node, Visitor<? super K, ? super V> v, boolean before) {
    boolean[] goOn = {true};
    node.forEach(
        (k, val) -> {
          if (goOn[0]) goOn[0] = before ? v.visit(k, val, null) : v.visit(k, null, val);
        });
    return goOn[0];
  }

  /** Any two nodes at the same place, by lookups: for collision nodes, which hold a few entries. */
  private static <K, V> boolean anyNodes(
      ChampNode<K, V> a, ChampNode<K, V> b, int shift, Visitor<? super K, ? super V> v) {
    boolean[] goOn = {true};
    a.forEach(
        (k, val) -> {
          if (!goOn[0]) return;
          V other = b.get(k, hash(k), shift);
          if (other != val) goOn[0] = v.visit(k, val, other);
        });
    if (!goOn[0]) return false;
    b.forEach(
        (k, val) -> {
          if (goOn[0] && a.get(k, hash(k), shift) == null) goOn[0] = v.visit(k, null, val);
        });
    return goOn[0];
  }
}
