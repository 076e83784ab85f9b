package dev.rstream.internal.state;

import org.jspecify.annotations.Nullable;

/**
 * Inline entries first as key, value pairs, then sub-nodes in reverse bit order at the end. The
 * fields are written only by the editor whose token is {@link #edit}, before it freezes.
 */
final class ChampBitmapNode<K, V> extends ChampNode<K, V> {
  @SuppressWarnings("rawtypes")
  static final ChampBitmapNode EMPTY = new ChampBitmapNode<>(null, 0, 0, new Object[0]);

  final @Nullable Object edit;
  int dataMap;
  int nodeMap;
  Object[] content;

  ChampBitmapNode(@Nullable Object edit, int dataMap, int nodeMap, Object[] content) {
    this.edit = edit;
    this.dataMap = dataMap;
    this.nodeMap = nodeMap;
    this.content = content;
  }

  private boolean ownedBy(@Nullable Object edit) {
    return edit != null && this.edit == edit;
  }

  /** This node with the sub-node at {@code slot} replaced: in place if owned, else a copy. */
  private ChampBitmapNode<K, V> withSub(int slot, ChampNode<K, V> newSub, @Nullable Object edit) {
    if (ownedBy(edit)) {
      content[slot] = newSub;
      return this;
    }
    Object[] copy = content.clone();
    copy[slot] = newSub;
    return new ChampBitmapNode<>(edit, dataMap, nodeMap, copy);
  }

  /** This node, now holding {@code content} under the two maps: in place if owned, else a copy. */
  private ChampBitmapNode<K, V> with(
      @Nullable Object edit, int dataMap, int nodeMap, Object[] content) {
    if (!ownedBy(edit)) return new ChampBitmapNode<>(edit, dataMap, nodeMap, content);
    this.dataMap = dataMap;
    this.nodeMap = nodeMap;
    this.content = content;
    return this;
  }

  private int dataIndex(int bit) {
    return Integer.bitCount(dataMap & (bit - 1));
  }

  private int nodeSlot(int bit) {
    return content.length - 1 - Integer.bitCount(nodeMap & (bit - 1));
  }

  @Override
  int payloadArity() {
    return Integer.bitCount(dataMap);
  }

  @Override
  int nodeArity() {
    return Integer.bitCount(nodeMap);
  }

  @SuppressWarnings("unchecked")
  @Override
  K key(int index) {
    return (K) content[2 * index];
  }

  @SuppressWarnings("unchecked")
  @Override
  V value(int index) {
    return (V) content[2 * index + 1];
  }

  @SuppressWarnings("unchecked")
  @Override
  ChampNode<K, V> node(int index) {
    return (ChampNode<K, V>) content[content.length - 1 - index];
  }

  @SuppressWarnings("unchecked")
  @Override
  @Nullable V get(Object key, int hash, int shift) {
    int bit = 1 << mask(hash, shift);
    if ((dataMap & bit) != 0) {
      int i = dataIndex(bit);
      return key.equals(content[2 * i]) ? (V) content[2 * i + 1] : null;
    }
    if ((nodeMap & bit) != 0) {
      return ((ChampNode<K, V>) content[nodeSlot(bit)]).get(key, hash, shift + BITS);
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  @Override
  ChampNode<K, V> put(K key, V value, int hash, int shift, Effect effect, @Nullable Object edit) {
    int bit = 1 << mask(hash, shift);
    if ((dataMap & bit) != 0) {
      int i = dataIndex(bit);
      Object existingKey = content[2 * i];
      if (key.equals(existingKey)) {
        Object old = content[2 * i + 1];
        if (old == value) return this;
        effect.replaced = true;
        if (ownedBy(edit)) {
          content[2 * i + 1] = value;
          return this;
        }
        Object[] copy = content.clone();
        copy[2 * i + 1] = value;
        return new ChampBitmapNode<>(edit, dataMap, nodeMap, copy);
      }
      ChampNode<K, V> sub =
          merge(
              (K) existingKey,
              (V) content[2 * i + 1],
              spread(existingKey.hashCode()),
              key,
              value,
              hash,
              shift + BITS,
              edit);
      effect.added = true;
      return inlineToNode(bit, i, sub, edit);
    }
    if ((nodeMap & bit) != 0) {
      int slot = nodeSlot(bit);
      ChampNode<K, V> sub = (ChampNode<K, V>) content[slot];
      ChampNode<K, V> newSub = sub.put(key, value, hash, shift + BITS, effect, edit);
      if (newSub == sub) return this;
      return withSub(slot, newSub, edit);
    }
    effect.added = true;
    int i = dataIndex(bit);
    Object[] copy = new Object[content.length + 2];
    System.arraycopy(content, 0, copy, 0, 2 * i);
    copy[2 * i] = key;
    copy[2 * i + 1] = value;
    System.arraycopy(content, 2 * i, copy, 2 * i + 2, content.length - 2 * i);
    return with(edit, dataMap | bit, nodeMap, copy);
  }

  @SuppressWarnings("unchecked")
  @Override
  ChampNode<K, V> remove(Object key, int hash, int shift, Effect effect, @Nullable Object edit) {
    int bit = 1 << mask(hash, shift);
    if ((dataMap & bit) != 0) {
      int i = dataIndex(bit);
      if (!key.equals(content[2 * i])) return this;
      effect.removed = true;
      Object[] copy = new Object[content.length - 2];
      System.arraycopy(content, 0, copy, 0, 2 * i);
      System.arraycopy(content, 2 * i + 2, copy, 2 * i, content.length - 2 * i - 2);
      return with(edit, dataMap ^ bit, nodeMap, copy);
    }
    if ((nodeMap & bit) != 0) {
      int slot = nodeSlot(bit);
      ChampNode<K, V> sub = (ChampNode<K, V>) content[slot];
      ChampNode<K, V> newSub = sub.remove(key, hash, shift + BITS, effect, edit);
      if (!effect.removed) return this;
      if (newSub.nodeArity() == 0 && newSub.payloadArity() == 1) {
        // Keep the trie canonical: a lone entry moves up into this node.
        return nodeToInline(bit, slot, newSub.key(0), newSub.value(0), edit);
      }
      if (newSub == sub) return this; // changed in place
      return withSub(slot, newSub, edit);
    }
    return this;
  }

  private ChampNode<K, V> inlineToNode(
      int bit, int dataIndex, ChampNode<K, V> sub, @Nullable Object edit) {
    int oldPos = 2 * dataIndex;
    int newSlot = content.length - 2 - Integer.bitCount(nodeMap & (bit - 1));
    Object[] copy = new Object[content.length - 1];
    System.arraycopy(content, 0, copy, 0, oldPos);
    System.arraycopy(content, oldPos + 2, copy, oldPos, newSlot - oldPos);
    copy[newSlot] = sub;
    System.arraycopy(content, newSlot + 2, copy, newSlot + 1, content.length - newSlot - 2);
    return with(edit, dataMap ^ bit, nodeMap | bit, copy);
  }

  private ChampNode<K, V> nodeToInline(
      int bit, int oldSlot, K key, V value, @Nullable Object edit) {
    int newPos = 2 * Integer.bitCount(dataMap & (bit - 1));
    Object[] copy = new Object[content.length + 1];
    System.arraycopy(content, 0, copy, 0, newPos);
    copy[newPos] = key;
    copy[newPos + 1] = value;
    System.arraycopy(content, newPos, copy, newPos + 2, oldSlot - newPos);
    System.arraycopy(content, oldSlot + 1, copy, oldSlot + 2, content.length - oldSlot - 1);
    return with(edit, dataMap | bit, nodeMap ^ bit, copy);
  }
}
