package dev.rstream.internal.state;

import java.util.AbstractMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/** Depth-first over nodes with an explicit stack; the trie is at most 8 levels deep. */
final class ChampEntryIterator<K, V> implements Iterator<Map.Entry<K, V>> {
  @SuppressWarnings({"rawtypes", "unchecked"})
  private final ChampNode<K, V>[] nodes = new ChampNode[ChampNode.HASH_BITS / ChampNode.BITS + 3];

  private final int[] nextNode = new int[nodes.length];
  private int depth;
  private ChampNode<K, V> current;
  private int nextEntry;

  ChampEntryIterator(ChampNode<K, V> root) {
    nodes[0] = root;
    current = root;
  }

  @Override
  public boolean hasNext() {
    while (nextEntry >= current.payloadArity()) {
      if (!descend()) return false;
    }
    return true;
  }

  private boolean descend() {
    while (depth >= 0) {
      ChampNode<K, V> node = nodes[depth];
      if (nextNode[depth] < node.nodeArity()) {
        ChampNode<K, V> child = node.node(nextNode[depth]++);
        depth++;
        nodes[depth] = child;
        nextNode[depth] = 0;
        current = child;
        nextEntry = 0;
        return true;
      }
      depth--;
    }
    depth = 0;
    nextNode[0] = nodes[0].nodeArity();
    return false;
  }

  @Override
  public Map.Entry<K, V> next() {
    if (!hasNext()) throw new NoSuchElementException();
    int i = nextEntry++;
    return new AbstractMap.SimpleImmutableEntry<>(current.key(i), current.value(i));
  }
}
