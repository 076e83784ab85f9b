package dev.rstream.server.storage;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * What every {@link LogStore} answers from its table of streams alone: {@link #streams}, {@link
 * #meta} and {@link #producers}. Subclasses add, change and remove streams in {@link #streams}.
 */
abstract class TableLogStore<S extends StoredStream> implements LogStore {
  /** The streams by path; each guarded by its own monitor. */
  final Map<String, S> byPath = new ConcurrentHashMap<>();

  final StreamTable<S> table = new StreamTable<>(byPath);

  @Override
  public Collection<StreamMeta> streams() {
    return table.metas();
  }

  @Override
  public @Nullable StreamMeta meta(String path) {
    return table.meta(path);
  }

  @Override
  public Collection<ProducerState> producers(String path) throws NoSuchStreamException {
    return table.producers(path);
  }
}
