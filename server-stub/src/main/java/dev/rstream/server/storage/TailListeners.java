package dev.rstream.server.storage;

import static java.util.Objects.requireNonNull;

import dev.rstream.server.storage.LogStore.TailListener;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;

/** The tail listeners of one store; a listener that throws is logged so the others still run. */
final class TailListeners {
  private final CopyOnWriteArrayList<TailListener> listeners = new CopyOnWriteArrayList<>();
  private final Logger log;

  TailListeners(Logger log) {
    this.log = log;
  }

  AutoCloseable add(TailListener listener) {
    requireNonNull(listener, "listener == null");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  void fire(String path, long tailPosition, boolean closed, boolean deleted) {
    for (TailListener listener : listeners) {
      try {
        listener.onTail(path, tailPosition, closed, deleted);
      } catch (RuntimeException e) {
        log.error("tail listener failed for {}", path, e);
      }
    }
  }
}
