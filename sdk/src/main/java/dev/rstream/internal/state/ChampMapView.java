package dev.rstream.internal.state;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Set;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/** The unmodifiable {@link java.util.Map} view of a {@link ChampMap}. */
final class ChampMapView<K, V> extends AbstractMap<K, V> {
  private final ChampMap<K, V> map;

  ChampMapView(ChampMap<K, V> map) {
    this.map = map;
  }

  @Override
  public int size() {
    return map.size();
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
        return new ChampEntryIterator<>(map.root);
      }

      @Override
      public int size() {
        return map.size();
      }
    };
  }
}
