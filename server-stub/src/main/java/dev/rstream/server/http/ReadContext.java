package dev.rstream.server.http;

import dev.rstream.server.storage.LogStore;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;

/** What live reads share: the store, the waiter registry, threads for wake-ups and timers. */
final class ReadContext {
  final LogStore store;
  final LiveReads live;

  /** Runs wake-ups; Jetty's pool, so a wake-up never runs on the store's commit thread. */
  final Executor executor;

  /** Fires timeouts, heartbeats and SSE cycles; its tasks only hand work to {@link #executor}. */
  final ScheduledExecutorService timer;

  final HttpSettings settings;
  final LongSupplier clock;

  ReadContext(
      LogStore store,
      LiveReads live,
      Executor executor,
      ScheduledExecutorService timer,
      HttpSettings settings,
      LongSupplier clock) {
    this.store = store;
    this.live = live;
    this.executor = executor;
    this.timer = timer;
    this.settings = settings;
    this.clock = clock;
  }
}
