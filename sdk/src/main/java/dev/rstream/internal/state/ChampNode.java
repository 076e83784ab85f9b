package dev.rstream.internal.state;

import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * A node of a {@link ChampMap}'s trie: {@link ChampBitmapNode} at every level, {@link
 * ChampCollisionNode} for keys whose hashes are all equal below the last one. Immutable once the
 * map holding it is frozen; before that, written only by the editor whose token made it.
 */
abstract class ChampNode<K, V> {
  static final int BITS = 5;
  static final int HASH_BITS = 32;

  // Mixes high bits into low ones: the trie consumes the hash from its low bits, and String hash
  // codes of short keys that differ only in their last char differ only in low bits anyway.
  static int spread(int h) {
    return h ^ (h >>> 16);
  }

  static int mask(int hash, int shift) {
    return (hash >>> shift) & 31;
  }

  static <K, V> ChampNode<K, V> merge(
      K k0, V v0, int h0, K k1, V v1, int h1, int shift, @Nullable Object edit) {
    if (shift >= HASH_BITS)
      return new ChampCollisionNode<>(edit, h0, new Object[] {k0, v0, k1, v1});
    int m0 = mask(h0, shift);
    int m1 = mask(h1, shift);
    if (m0 != m1) {
      Object[] content = m0 < m1 ? new Object[] {k0, v0, k1, v1} : new Object[] {k1, v1, k0, v0};
      return new ChampBitmapNode<>(edit, (1 << m0) | (1 << m1), 0, content);
    }
    ChampNode<K, V> sub = merge(k0, v0, h0, k1, v1, h1, shift + BITS, edit);
    return new ChampBitmapNode<>(edit, 0, 1 << m0, new Object[] {sub});
  }

  /** What a put or remove did, reported up the recursion without allocating per level. */
  static final class Effect {
    boolean added;
    boolean removed;

    /** A put replaced an entry's value (possibly in place). */
    boolean replaced;

    void reset() {
      added = false;
      removed = false;
      replaced = false;
    }
  }

  abstract @Nullable V get(Object key, int hash, int shift);

  /**
   * This node with the entry put: itself, changed in place, if {@code edit} is non-null and is the
   * token the node was made with; else a copy (or itself if nothing changed).
   */
  abstract ChampNode<K, V> put(
      K key, V value, int hash, int shift, Effect effect, @Nullable Object edit);

  /** As {@link #put}, removing. */
  abstract ChampNode<K, V> remove(
      Object key, int hash, int shift, Effect effect, @Nullable Object edit);

  abstract int payloadArity();

  abstract int nodeArity();

  abstract K key(int index);

  abstract V value(int index);

  abstract ChampNode<K, V> node(int index);

  final void forEach(BiConsumer<? super K, ? super V> action) {
    for (int i = 0, n = payloadArity(); i < n; i++) action.accept(key(i), value(i));
    for (int i = 0, n = nodeArity(); i < n; i++) node(i).forEach(action);
  }
}
