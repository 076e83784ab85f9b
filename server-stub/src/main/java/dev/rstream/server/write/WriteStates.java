package dev.rstream.server.write;

import dev.rstream.server.storage.LogStore;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.ProducerState;
import dev.rstream.server.storage.StreamMeta;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link WriteState} of every path written to, loaded from the store on its first write and
 * loaded again after the store reported a delete this writer did not make. Thread-safe; one state
 * per path for the server's lifetime, so its monitor is the path's one append lock.
 */
final class WriteStates {
  private final LogStore store;
  private final ConcurrentHashMap<String, WriteState> states = new ConcurrentHashMap<>();

  WriteStates(LogStore store) {
    this.store = store;
  }

  /** The state of {@code path}, not necessarily loaded: lock it, then {@link #load} it. */
  WriteState get(String path) {
    return states.computeIfAbsent(path, WriteState::new);
  }

  /**
   * Tail listener part: a stream deleted behind this writer (the conventions delete index streams
   * in the store directly) must be reloaded before its next write. Only flags the state: the store
   * calls this under its own locks, so taking the append lock here could deadlock.
   */
  void onTail(String path, boolean deleted) {
    if (deleted) {
      WriteState state = states.get(path);
      if (state != null) {
        state.stale = true;
      }
    }
  }

  /** Every state, loaded or not; for sweeps that lock each in turn. */
  Iterable<WriteState> all() {
    return states.values();
  }

  /**
   * Loads the state from the store unless it is current; producers loaded count as used at {@code
   * nowMillis}. Caller holds the state's monitor.
   */
  void load(WriteState state, long nowMillis) {
    if (state.loaded && !state.stale) {
      return;
    }
    state.stale = false;
    state.clear();
    StreamMeta meta = store.meta(state.path);
    if (meta != null) {
      state.meta = meta;
      state.tail = meta.tailPosition();
      state.closed = meta.closed();
      state.lastStreamSeq = meta.lastStreamSeq();
      try {
        for (ProducerState producer : store.producers(state.path)) {
          state.producers.put(producer.producerId(), producer);
          state.producerUsedAt.put(producer.producerId(), nowMillis);
          if (meta.closed()
              && producer.closedStream()
              && producer.lastTailPosition() == meta.tailPosition()) {
            state.closedBy = producer;
          }
        }
      } catch (NoSuchStreamException e) {
        state.clear();
      }
    }
    state.loaded = true;
  }
}
