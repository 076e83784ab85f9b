package dev.rstream.server.write;

import dev.rstream.server.storage.LogStore;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Expires idempotent producers that stopped writing (spec 5.2.1 lets a server forget them): a
 * producer whose last accepted write is older than the idle limit is forgotten, here and in the
 * store, and its next write starts afresh.
 *
 * <p>Threading: every method is called with the stream's {@link WriteState} monitor held.
 */
final class IdleProducers {
  private final LogStore store;
  private final long idleMillis;

  IdleProducers(LogStore store, long idleMillis) {
    this.store = store;
    this.idleMillis = idleMillis;
  }

  /** The producer {@code id} had a write accepted at {@code now}. */
  void used(WriteState state, String id, long now) {
    state.producerUsedAt.remove(id); // re-added last: the map stays oldest first
    state.producerUsedAt.put(id, now);
  }

  /**
   * Forgets producers whose last accepted write is older than the idle limit at {@code now}. Oldest
   * first, so this stops at the first one still in use.
   */
  void expire(WriteState state, long now) {
    @Nullable List<String> idle = null;
    for (Iterator<Map.Entry<String, Long>> it = state.producerUsedAt.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<String, Long> used = it.next();
      if (now - used.getValue() < idleMillis) break;
      it.remove();
      state.producers.remove(used.getKey());
      if (idle == null) idle = new ArrayList<>();
      idle.add(used.getKey());
    }
    if (idle != null) store.forgetProducers(state.path, idle);
  }
}
