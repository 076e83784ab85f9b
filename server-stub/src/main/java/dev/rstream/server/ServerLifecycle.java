package dev.rstream.server;

import dev.rstream.server.http.HttpSettings;
import dev.rstream.server.http.StreamHandler;
import dev.rstream.server.state.KeyframePolicy;
import dev.rstream.server.state.RealStreamConventions;
import dev.rstream.server.state.StreamConventions;
import dev.rstream.server.storage.FileLogStore;
import dev.rstream.server.storage.LogStore;
import dev.rstream.server.storage.MemoryLogStore;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Starts the parts of a {@link StubServer} in order and closes them in reverse: the store (closed
 * only when the server opened it), the conventions, the write path and read handlers, the timer
 * thread, and the HTTP listener's port, which opens last.
 *
 * <p>Threading: {@link #start} and {@link #close} must not race each other; {@link #liveReaders}
 * from any thread.
 */
final class ServerLifecycle {
  private final ScheduledThreadPoolExecutor timer;
  private @Nullable LogStore store;
  private boolean ownsStore;
  private @Nullable StreamConventions conventions;
  private StreamHandler.@Nullable Wiring wiring;
  private @Nullable AutoCloseable tailRegistration;

  ServerLifecycle() {
    timer =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, "rstream-timer");
              thread.setDaemon(true);
              return thread;
            });
    timer.setRemoveOnCancelPolicy(true);
  }

  /**
   * Opens the store (recovering a data directory), wires the handlers onto {@code listener}'s pool,
   * starts the conventions (rebuilding state streams), then opens the port. Once only (see {@link
   * #started}); after a failure the caller closes this.
   */
  void start(StubServer.Builder config, HttpListener listener) throws Exception {
    HttpSettings settings =
        new HttpSettings(
            config.longPollTimeout.toMillis(),
            config.sseCycle.toMillis(),
            config.sseHeartbeat.toMillis(),
            config.maxBodyBytes,
            config.maxReadBytes,
            Math.max(config.maxBodiesInFlightBytes, config.maxBodyBytes),
            config.producerIdleExpiry.toMillis(),
            config.bearerToken);
    LogStore logStore = openStore(config);
    StreamConventions rules =
        config.conventions != null
            ? config.conventions
            : RealStreamConventions.builder()
                .store(logStore)
                .offsetFormat(StreamHandler.OFFSETS)
                .defaultPolicy(new KeyframePolicy(config.keyframeChanges, config.keyframeInterval))
                .defaultRetention(config.retention)
                .build();
    conventions = rules;
    Executor threads = listener.threads();
    StreamHandler.Wiring wired = StreamHandler.wire(logStore, rules, threads, timer, settings);
    wiring = wired;
    // Jetty first, without a port: the conventions' start may append, which wakes readers on
    // Jetty's pool; the port opens once they are done (StreamConventions.start contract).
    listener.start(wired.handler());
    tailRegistration = logStore.addTailListener(wired.tailListener());
    rules.start(wired.appender());
    listener.openPort();
    timer.scheduleWithFixedDelay(
        () -> threads.execute(wired.expirySweep()), 5, 5, TimeUnit.SECONDS);
  }

  /** Whether {@link #start} got as far as wiring the handlers: it must not run again. */
  boolean started() {
    return wiring != null;
  }

  private LogStore openStore(StubServer.Builder config) throws IOException {
    LogStore opened;
    if (config.store != null) {
      opened = config.store;
      ownsStore = false;
    } else if (config.dataDir != null) {
      opened = FileLogStore.open(config.dataDir, config.salvageDamaged);
      ownsStore = true;
    } else {
      opened = new MemoryLogStore();
      ownsStore = true;
    }
    store = opened;
    return opened;
  }

  /** Long-polls and SSE sessions currently parked on a stream; 0 before start. */
  int liveReaders() {
    StreamHandler.Wiring wired = wiring;
    return wired == null ? 0 : wired.liveReaders().getAsInt();
  }

  /**
   * Stops the conventions, the tail listener and the timer, then closes the store when it was
   * opened here; whatever started. The caller closed the listener first. Idempotent.
   */
  void close() {
    StreamConventions rules = conventions;
    if (rules != null) {
      rules.close();
    }
    AutoCloseable registration = tailRegistration;
    if (registration != null) {
      try {
        registration.close();
      } catch (Exception ignored) {
        // The store is closing next.
      }
    }
    timer.shutdownNow();
    LogStore logStore = store;
    if (ownsStore && logStore != null) {
      try {
        logStore.close();
      } catch (IOException ignored) {
        // Nothing left to tell: the process keeps the files consistent on its own.
      }
    }
  }
}
