package dev.rstream.internal.state;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/** Entries whose 32-bit hashes are all equal; only below the last level of the trie. */
final class ChampCollisionNode<K, V> extends ChampNode<K, V> {
  final @Nullable Object edit;
  final int hash;
  Object[] entries;

  ChampCollisionNode(@Nullable Object edit, int hash, Object[] entries) {
    this.edit = edit;
    this.hash = hash;
    this.entries = entries;
  }

  private ChampNode<K, V> with(@Nullable Object edit, Object[] entries) {
    if (edit == null || this.edit != edit) return new ChampCollisionNode<>(edit, hash, entries);
    this.entries = entries;
    return this;
  }

  @Override
  int payloadArity() {
    return entries.length / 2;
  }

  @Override
  int nodeArity() {
    return 0;
  }

  @SuppressWarnings("unchecked")
  @Override
  K key(int index) {
    return (K) entries[2 * index];
  }

  @SuppressWarnings("unchecked")
  @Override
  V value(int index) {
    return (V) entries[2 * index + 1];
  }

  @Override
  ChampNode<K, V> node(int index) {
    throw new IndexOutOfBoundsException("collision nodes have no sub-nodes");
  }

  private int find(Object key) {
    for (int i = 0; i < entries.length; i += 2) {
      if (key.equals(entries[i])) return i;
    }
    return -1;
  }

  @SuppressWarnings("unchecked")
  @Override
  @Nullable V get(Object key, int hash, int shift) {
    int i = find(key);
    return i < 0 ? null : (V) entries[i + 1];
  }

  @Override
  ChampNode<K, V> put(K key, V value, int hash, int shift, Effect effect, @Nullable Object edit) {
    int i = find(key);
    if (i >= 0) {
      Object old = entries[i + 1];
      if (old == value) return this;
      effect.replaced = true;
      Object[] copy = entries.clone();
      copy[i + 1] = value;
      return with(edit, copy);
    }
    effect.added = true;
    Object[] copy = Arrays.copyOf(entries, entries.length + 2);
    copy[entries.length] = key;
    copy[entries.length + 1] = value;
    return with(edit, copy);
  }

  @Override
  ChampNode<K, V> remove(Object key, int hash, int shift, Effect effect, @Nullable Object edit) {
    int i = find(key);
    if (i < 0) return this;
    effect.removed = true;
    Object[] copy = new Object[entries.length - 2];
    System.arraycopy(entries, 0, copy, 0, i);
    System.arraycopy(entries, i + 2, copy, i, entries.length - i - 2);
    return with(edit, copy);
  }
}
