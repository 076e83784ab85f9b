package dev.rstream.internal.state;

import java.util.Map;
import java.util.Objects;
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
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static final ChampMap EMPTY = new ChampMap(ChampBitmapNode.EMPTY, 0);

  final ChampNode<K, V> root;
  private final int size;

  ChampMap(ChampNode<K, V> root, int size) {
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
    return root.get(key, ChampNode.spread(key.hashCode()), 0);
  }

  public boolean containsKey(Object key) {
    return get(key) != null;
  }

  /** A map with {@code key} set to {@code value}; {@code this} if it already held that value. */
  public ChampMap<K, V> plus(K key, V value) {
    Objects.requireNonNull(key, "key == null");
    Objects.requireNonNull(value, "value == null");
    ChampNode.Effect effect = new ChampNode.Effect();
    ChampNode<K, V> newRoot =
        root.put(key, value, ChampNode.spread(key.hashCode()), 0, effect, null);
    if (newRoot == root) return this;
    return new ChampMap<>(newRoot, effect.added ? size + 1 : size);
  }

  /** A map without {@code key}; {@code this} if it had no such key. */
  public ChampMap<K, V> minus(Object key) {
    ChampNode.Effect effect = new ChampNode.Effect();
    ChampNode<K, V> newRoot = root.remove(key, ChampNode.spread(key.hashCode()), 0, effect, null);
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
    private final ChampNode.Effect effect = new ChampNode.Effect();
    private ChampNode<K, V> root;
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
      return root.get(key, ChampNode.spread(key.hashCode()), 0);
    }

    /** Sets {@code key} to {@code value}; false if it held that very value already. */
    public boolean put(K key, V value) {
      Objects.requireNonNull(key, "key == null");
      Objects.requireNonNull(value, "value == null");
      ChampNode.Effect e = effect;
      e.reset();
      ChampNode<K, V> newRoot = root.put(key, value, ChampNode.spread(key.hashCode()), 0, e, edit);
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
      ChampNode.Effect e = effect;
      e.reset();
      ChampNode<K, V> newRoot = root.remove(key, ChampNode.spread(key.hashCode()), 0, e, edit);
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
    return new ChampMapView<>(this);
  }
}
