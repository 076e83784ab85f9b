package dev.rstream.chaos;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What has gone through the {@link FaultProxy}, counted: connections accepted and open now,
 * requests and live reads. Connections count into it; the proxy reads it. Thread-safe.
 */
final class Traffic {
  /** Connections accepted so far; the count numbers them, from 1. */
  final AtomicLong connections = new AtomicLong();

  /** Requests seen so far. */
  final AtomicLong exchanges = new AtomicLong();

  /** Live reads ({@code live=} in the query) seen so far, also counted in {@link #exchanges}. */
  final AtomicLong liveExchanges = new AtomicLong();

  /** The connections open now: added once accepted, removed once closed. */
  final Set<ProxiedConnection> open = ConcurrentHashMap.newKeySet();
}
