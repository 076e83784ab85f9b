package dev.rstream.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What has gone through the {@link FaultProxy}, counted: connections accepted and open now,
 * exchanges and live reads. Connections report to it; the proxy reads it. Thread-safe.
 */
final class Traffic {
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong exchanges = new AtomicLong();
  private final AtomicLong liveExchanges = new AtomicLong();
  private final Set<ProxiedConnection> open = ConcurrentHashMap.newKeySet();

  /** Counts an accepted connection; returns its number, from 1. */
  long accepted() {
    return connections.incrementAndGet();
  }

  void opened(ProxiedConnection connection) {
    open.add(connection);
  }

  void closed(ProxiedConnection connection) {
    open.remove(connection);
  }

  /** Counts a request. */
  void exchange() {
    exchanges.incrementAndGet();
  }

  /** Counts a live read ({@code live=} in the query), also counted as a request. */
  void liveExchange() {
    liveExchanges.incrementAndGet();
  }

  long connectionsAccepted() {
    return connections.get();
  }

  long exchanges() {
    return exchanges.get();
  }

  long liveExchanges() {
    return liveExchanges.get();
  }

  int openCount() {
    return open.size();
  }

  /** The connections open now, a copy. */
  List<ProxiedConnection> openConnections() {
    return new ArrayList<>(open);
  }
}
