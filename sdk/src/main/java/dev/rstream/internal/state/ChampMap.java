package dev.rstream.internal.state;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * An immutable hash map with structural sharing: {@link #plus} and {@link #minus} copy only the
 * path from the root to the changed entry (at most 7 small arrays), so a new version costs O(log32
 * n) time and memory while every earlier version stays valid and shares the rest.
 *
 * <p>This is a compact CHAMP (Steindorfer and Vinju, OOPSLA 2015): each node keeps inline entries
 * and sub-nodes in one array under two bitmaps, and the tree stays canonical (a sub-node that would
 * hold one entry is inlined into its parent), which keeps it shallow and iteration fast.
 *
 * <p>Why not a library: the candidates were {@code org.pcollections} (its {@code HashTreePMap} is a
 * binary tree over hash codes: ~17 levels at 100k entries against CHAMP's 4, with a node per
 * entry), {@code io.usethesource:capsule} (a CHAMP, but ~1 MB of generated specialisations and no
 * release since 2020), vavr and Paguro (whole functional libraries, hundreds of classes, for one
 * map). The model needs get/put/remove/iterate on String keys only; those ~300 lines have no
 * dependency, run on Java 11 and Android, and are tested against {@link java.util.HashMap} with
 * random operations.
 *
 * <p>A batch of changes is cheaper through an {@link Editor} (a "transient", as Clojure calls it):
 * the nodes it creates carry its edit token and are changed in place until {@link Editor#freeze}
 * hands them out in an immutable map, so a run of changes copies each path once, not once per
 * change. Nodes of any frozen map, the editor's own included, are never written again.
 *
 * <p>Instances are immutable and safe to share between threads. Keys and values must be non-null.
 */
public final class ChampMap<K, V> {
  private static final int BITS = 5;
  private static final int HASH_BITS = 32;

  @SuppressWarnings({"rawtypes", "unchecked"})
  private static final ChampMap EMPTY = new ChampMap(BitmapNode.EMPTY, 0);

  final Node<K, V> root;
  private final int size;

  ChampMap(Node<K, V> root, int size) {
    this.root = root;
    this.size = size;
  }

  /** Returns the empty map. */
  @SuppressWarnings("unchecked")
  public static <K, V> ChampMap<K, V> empty() {
    return (ChampMap<K, V>) EMPTY;
  }

  /** Number of entries, in constant time. */
  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** The value for {@code key}, or null. */
  public @Nullable V get(Object key) {
    return root.get(key, spread(key.hashCode()), 0);
  }

  public boolean containsKey(Object key) {
    return get(key) != null;
  }

  /** A map with {@code key} set to {@code value}; {@code this} if it already held that value. */
  public ChampMap<K, V> plus(K key, V value) {
    Objects.requireNonNull(key, "key == null");
    Objects.requireNonNull(value, "value == null");
    Effect effect = new Effect();
    Node<K, V> newRoot = root.put(key, value, spread(key.hashCode()), 0, effect, null);
    if (newRoot == root) return this;
    return new ChampMap<>(newRoot, effect.added ? size + 1 : size);
  }

  /** A map without {@code key}; {@code this} if it had no such key. */
  public ChampMap<K, V> minus(Object key) {
    Effect effect = new Effect();
    Node<K, V> newRoot = root.remove(key, spread(key.hashCode()), 0, effect, null);
    if (!effect.removed) return this;
    return new ChampMap<>(newRoot, size - 1);
  }

  /** Calls {@code action} for every entry, in an unspecified but stable order. */
  public void forEach(BiConsumer<? super K, ? super V> action) {
    root.forEach(action);
  }

  /** An editor that starts from this map; this map never changes. */
  public Editor<K, V> edit() {
    return new Editor<>(this);
  }

  /**
   * A map being changed in place: what a batch of changes uses instead of one {@link #plus} per
   * change. {@link #freeze} returns the content as an immutable map and the editor stays usable;
   * its later changes copy what the frozen map holds. Confined to one thread; never shared.
   */
  public static final class Editor<K, V> {
    private final Effect effect = new Effect();
    private Node<K, V> root;
    private int size;
    private @Nullable ChampMap<K, V> frozen;
    // Nodes carrying this token were made by this editor since its last freeze: no map holds them.
    private Object edit = new Object();

    Editor(ChampMap<K, V> from) {
      root = from.root;
      size = from.size;
      frozen = from;
    }

    public int size() {
      return size;
    }

    /** True if nothing changed since the last {@link #freeze} (or since the editor started). */
    public boolean unchanged() {
      return frozen != null;
    }

    public @Nullable V get(Object key) {
      return root.get(key, spread(key.hashCode()), 0);
    }

    /** Sets {@code key} to {@code value}; false if it held that very value already. */
    public boolean put(K key, V value) {
      Objects.requireNonNull(key, "key == null");
      Objects.requireNonNull(value, "value == null");
      Effect e = effect;
      e.reset();
      Node<K, V> newRoot = root.put(key, value, spread(key.hashCode()), 0, e, edit);
      boolean changed = newRoot != root || e.added || e.replaced;
      if (e.added) size++;
      if (changed) {
        root = newRoot;
        frozen = null;
      }
      return changed;
    }

    /** Removes {@code key}; returns whether it was there. */
    public boolean remove(Object key) {
      Effect e = effect;
      e.reset();
      Node<K, V> newRoot = root.remove(key, spread(key.hashCode()), 0, e, edit);
      if (!e.removed) return false;
      root = newRoot;
      size--;
      frozen = null;
      return true;
    }

    /**
     * The content as an immutable map, in O(1). The same map again while nothing changed since;
     * later changes copy the nodes it holds instead of writing them.
     */
    public ChampMap<K, V> freeze() {
      ChampMap<K, V> result = frozen;
      if (result == null) {
        // The final field of the new map publishes every node write made before it.
        result = size == 0 ? empty() : new ChampMap<>(root, size);
        frozen = result;
        edit = new Object();
      }
      return result;
    }
  }

  /** An unmodifiable {@link Map} view; constant-time size, O(log32 n) lookups. */
  public Map<K, V> asMap() {
    return new MapView<>(this);
  }

  // Mixes high bits into low ones: the trie consumes the hash from its low bits, and String hash
  // codes of short keys that differ only in their last char differ only in low bits anyway.
  private static int spread(int h) {
    return h ^ (h >>> 16);
  }

  private static int mask(int hash, int shift) {
    return (hash >>> shift) & 31;
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

  abstract static class Node<K, V> {
    abstract @Nullable V get(Object key, int hash, int shift);

    /**
     * This node with the entry put: itself, changed in place, if {@code edit} is non-null and is
     * the token the node was made with; else a copy (or itself if nothing changed).
     */
    abstract Node<K, V> put(
        K key, V value, int hash, int shift, Effect effect, @Nullable Object edit);

    /** As {@link #put}, removing. */
    abstract Node<K, V> remove(
        Object key, int hash, int shift, Effect effect, @Nullable Object edit);

    abstract int payloadArity();

    abstract int nodeArity();

    abstract K key(int index);

    abstract V value(int index);

    abstract Node<K, V> node(int index);

    final void forEach(BiConsumer<? super K, ? super V> action) {
      for (int i = 0, n = payloadArity(); i < n; i++) action.accept(key(i), value(i));
      for (int i = 0, n = nodeArity(); i < n; i++) node(i).forEach(action);
    }
  }

  /**
   * Inline entries first as key, value pairs, then sub-nodes in reverse bit order at the end. The
   * fields are written only by the editor whose token is {@link #edit}, before it freezes.
   */
  static final class BitmapNode<K, V> extends Node<K, V> {
    @SuppressWarnings("rawtypes")
    static final BitmapNode EMPTY = new BitmapNode<>(null, 0, 0, new Object[0]);

    final @Nullable Object edit;
    int dataMap;
    int nodeMap;
    Object[] content;

    BitmapNode(@Nullable Object edit, int dataMap, int nodeMap, Object[] content) {
      this.edit = edit;
      this.dataMap = dataMap;
      this.nodeMap = nodeMap;
      this.content = content;
    }

    private boolean ownedBy(@Nullable Object edit) {
      return edit != null && this.edit == edit;
    }

    /**
     * This node, now holding {@code content} under the two maps: in place if owned, else a copy.
     */
    private BitmapNode<K, V> with(
        @Nullable Object edit, int dataMap, int nodeMap, Object[] content) {
      if (!ownedBy(edit)) return new BitmapNode<>(edit, dataMap, nodeMap, content);
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
    Node<K, V> node(int index) {
      return (Node<K, V>) content[content.length - 1 - index];
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
        return ((Node<K, V>) content[nodeSlot(bit)]).get(key, hash, shift + BITS);
      }
      return null;
    }

    @SuppressWarnings("unchecked")
    @Override
    Node<K, V> put(K key, V value, int hash, int shift, Effect effect, @Nullable Object edit) {
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
          return new BitmapNode<>(edit, dataMap, nodeMap, copy);
        }
        Node<K, V> sub =
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
        Node<K, V> sub = (Node<K, V>) content[slot];
        Node<K, V> newSub = sub.put(key, value, hash, shift + BITS, effect, edit);
        if (newSub == sub) return this;
        if (ownedBy(edit)) {
          content[slot] = newSub;
          return this;
        }
        Object[] copy = content.clone();
        copy[slot] = newSub;
        return new BitmapNode<>(edit, dataMap, nodeMap, copy);
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
    Node<K, V> remove(Object key, int hash, int shift, Effect effect, @Nullable Object edit) {
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
        Node<K, V> sub = (Node<K, V>) content[slot];
        Node<K, V> newSub = sub.remove(key, hash, shift + BITS, effect, edit);
        if (!effect.removed) return this;
        if (newSub.nodeArity() == 0 && newSub.payloadArity() == 1) {
          // Keep the trie canonical: a lone entry moves up into this node.
          return nodeToInline(bit, slot, newSub.key(0), newSub.value(0), edit);
        }
        if (newSub == sub) return this; // changed in place
        if (ownedBy(edit)) {
          content[slot] = newSub;
          return this;
        }
        Object[] copy = content.clone();
        copy[slot] = newSub;
        return new BitmapNode<>(edit, dataMap, nodeMap, copy);
      }
      return this;
    }

    private Node<K, V> inlineToNode(int bit, int dataIndex, Node<K, V> sub, @Nullable Object edit) {
      int oldPos = 2 * dataIndex;
      int newSlot = content.length - 2 - Integer.bitCount(nodeMap & (bit - 1));
      Object[] copy = new Object[content.length - 1];
      System.arraycopy(content, 0, copy, 0, oldPos);
      System.arraycopy(content, oldPos + 2, copy, oldPos, newSlot - oldPos);
      copy[newSlot] = sub;
      System.arraycopy(content, newSlot + 2, copy, newSlot + 1, content.length - newSlot - 2);
      return with(edit, dataMap ^ bit, nodeMap | bit, copy);
    }

    private Node<K, V> nodeToInline(int bit, int oldSlot, K key, V value, @Nullable Object edit) {
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

  /** Entries whose 32-bit hashes are all equal; only below the last level of the trie. */
  static final class CollisionNode<K, V> extends Node<K, V> {
    final @Nullable Object edit;
    final int hash;
    Object[] entries;

    CollisionNode(@Nullable Object edit, int hash, Object[] entries) {
      this.edit = edit;
      this.hash = hash;
      this.entries = entries;
    }

    private Node<K, V> with(@Nullable Object edit, Object[] entries) {
      if (edit == null || this.edit != edit) return new CollisionNode<>(edit, hash, entries);
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
    Node<K, V> node(int index) {
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
    Node<K, V> put(K key, V value, int hash, int shift, Effect effect, @Nullable Object edit) {
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
    Node<K, V> remove(Object key, int hash, int shift, Effect effect, @Nullable Object edit) {
      int i = find(key);
      if (i < 0) return this;
      effect.removed = true;
      Object[] copy = new Object[entries.length - 2];
      System.arraycopy(entries, 0, copy, 0, i);
      System.arraycopy(entries, i + 2, copy, i, entries.length - i - 2);
      return with(edit, copy);
    }
  }

  private static <K, V> Node<K, V> merge(
      K k0, V v0, int h0, K k1, V v1, int h1, int shift, @Nullable Object edit) {
    if (shift >= HASH_BITS) return new CollisionNode<>(edit, h0, new Object[] {k0, v0, k1, v1});
    int m0 = mask(h0, shift);
    int m1 = mask(h1, shift);
    if (m0 != m1) {
      Object[] content = m0 < m1 ? new Object[] {k0, v0, k1, v1} : new Object[] {k1, v1, k0, v0};
      return new BitmapNode<>(edit, (1 << m0) | (1 << m1), 0, content);
    }
    Node<K, V> sub = merge(k0, v0, h0, k1, v1, h1, shift + BITS, edit);
    return new BitmapNode<>(edit, 0, 1 << m0, new Object[] {sub});
  }

  /** Depth-first over nodes with an explicit stack; the trie is at most 8 levels deep. */
  private static final class EntryIterator<K, V> implements Iterator<Map.Entry<K, V>> {
    @SuppressWarnings({"rawtypes", "unchecked"})
    private final Node<K, V>[] nodes = new Node[HASH_BITS / BITS + 3];

    private final int[] nextNode = new int[nodes.length];
    private int depth;
    private Node<K, V> current;
    private int nextEntry;

    EntryIterator(Node<K, V> root) {
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
        Node<K, V> node = nodes[depth];
        if (nextNode[depth] < node.nodeArity()) {
          Node<K, V> child = node.node(nextNode[depth]++);
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

  private static final class MapView<K, V> extends AbstractMap<K, V> {
    private final ChampMap<K, V> map;

    MapView(ChampMap<K, V> map) {
      this.map = map;
    }

    @Override
    public int size() {
      return map.size;
    }

    @Override
    public @Nullable V get(@Nullable Object key) {
      return key == null ? null : map.get(key);
    }

    @Override
    public boolean containsKey(@Nullable Object key) {
      return key != null && map.get(key) != null;
    }

    @Override
    public void forEach(BiConsumer<? super K, ? super V> action) {
      map.forEach(action);
    }

    @Override
    public Set<Entry<K, V>> entrySet() {
      return new AbstractSet<Entry<K, V>>() {
        @Override
        public Iterator<Entry<K, V>> iterator() {
          return new EntryIterator<>(map.root);
        }

        @Override
        public int size() {
          return map.size;
        }
      };
    }
  }
}
