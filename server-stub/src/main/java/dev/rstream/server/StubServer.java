package dev.rstream.server;

import static java.util.Objects.requireNonNull;

import dev.rstream.server.http.BearerAuth;
import dev.rstream.server.http.HttpSettings;
import dev.rstream.server.http.JsonErrorHandler;
import dev.rstream.server.http.StreamHandler;
import dev.rstream.server.state.KeyframePolicy;
import dev.rstream.server.state.RealStreamConventions;
import dev.rstream.server.state.RetentionPolicy;
import dev.rstream.server.state.StreamConventions;
import dev.rstream.server.storage.FileLogStore;
import dev.rstream.server.storage.LogStore;
import dev.rstream.server.storage.MemoryLogStore;
import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;

/**
 * An embeddable Durable Streams server with the rstream conventions: streams live under {@code
 * {url}/v1/stream/{path}}. Build one with {@link #builder()}, {@link #start()} it, and {@link
 * #close()} it when done; tests typically start one per class on a random port.
 *
 * <p>Threading: {@link #start()} and {@link #close()} must not race each other; every other method
 * may be called from any thread. Requests are served on a small Jetty thread pool; waiting live
 * reads (long-poll, SSE) hold no thread.
 */
public final class StubServer implements AutoCloseable {
  private final Builder config;
  private final QueuedThreadPool threads;
  private final ScheduledThreadPoolExecutor timer;
  private final Server jetty;
  private final ServerConnector connector;
  private @Nullable LogStore store;
  private boolean ownsStore;
  private @Nullable StreamConventions conventions;
  private StreamHandler.@Nullable Wiring wiring;
  private @Nullable AutoCloseable tailRegistration;
  // Every connection accepted and not yet collected, closed by close(): see the constructor.
  private final Set<SelectableChannel> accepted =
      Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  private volatile boolean closing;

  private StubServer(Builder builder) {
    this.config = builder;
    threads = new QueuedThreadPool(builder.maxThreads, Math.min(8, builder.maxThreads));
    threads.setName("rstream-http");
    timer =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, "rstream-timer");
              thread.setDaemon(true);
              return thread;
            });
    timer.setRemoveOnCancelPolicy(true);
    jetty = new Server(threads);
    jetty.setErrorHandler(new JsonErrorHandler());
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    // One selector, which also accepts: a 2-core machine, and connections are cheap without
    // threads. Jetty's stop leaves open two kinds of connection accepted while it stops, and their
    // clients then wait on a silent socket instead of seeing the server go: one an acceptor thread
    // accepted as the stop interrupted it (the JDK cannot hand it over: no acceptor thread here,
    // the selector accepts without blocking), and one accepted but not yet registered with the
    // selector when the selector stopped (tracked here and closed by close()).
    connector = new ServerConnector(jetty, 0, 1, new HttpConnectionFactory(http));
    connector
        .getSelectorManager()
        .addEventListener(
            new SelectorManager.AcceptListener() {
              @Override
              public void onAccepting(SelectableChannel channel) {
                accepted.add(channel);
                // Added before reading the flag, which close() sets before it takes the set: either
                // close() finds this channel or this thread sees the flag.
                if (closing) closeQuietly(channel);
              }
            });
    // Bursts of reconnecting live readers must queue in the kernel, not get their SYNs dropped.
    connector.setAcceptQueueSize(1024);
    connector.setHost(builder.host);
    connector.setPort(builder.port);
    // Longer than any wait we make on purpose, so Jetty never times out a parked live read.
    connector.setIdleTimeout(
        Math.max(builder.longPollTimeout.toMillis(), builder.sseHeartbeat.toMillis()) + 30_000);
  }

  /** A builder with the defaults: 127.0.0.1, a random port, an in-memory store. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Opens the store (recovering a data directory), starts the conventions (rebuilding state
   * streams), then opens the port. Blocks until the server accepts connections. Call once.
   *
   * @throws IOException when the store cannot be opened (another process holds the data directory)
   *     or the port cannot be bound; the server is closed then
   */
  @SuppressWarnings("removal") // GzipHandler: its successor needs jetty-compression artifacts
  public StubServer start() throws IOException {
    if (wiring != null) {
      throw new IllegalStateException("already started");
    }
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
    try {
      LogStore logStore = openStore();
      StreamConventions rules =
          config.conventions != null
              ? config.conventions
              : RealStreamConventions.builder()
                  .store(logStore)
                  .offsetFormat(StreamHandler.OFFSETS)
                  .defaultPolicy(
                      new KeyframePolicy(config.keyframeChanges, config.keyframeInterval))
                  .defaultRetention(config.retention)
                  .build();
      conventions = rules;
      StreamHandler.Wiring wired = StreamHandler.wire(logStore, rules, threads, timer, settings);
      wiring = wired;
      GzipHandler gzip = new GzipHandler();
      gzip.setMinGzipSize(512);
      // SSE must reach the client event by event; a compressor would hold events back.
      gzip.addExcludedMimeTypes("text/event-stream");
      gzip.setHandler(wired.handler());
      jetty.setHandler(gzip);
      // Jetty first, without a port: the conventions' start may append, which wakes readers on
      // Jetty's pool; the port opens once they are done (StreamConventions.start contract).
      jetty.start();
      tailRegistration = logStore.addTailListener(wired.tailListener());
      rules.start(wired.appender());
      jetty.addConnector(connector);
      connector.start();
      timer.scheduleWithFixedDelay(
          () -> threads.execute(wired.expirySweep()), 5, 5, TimeUnit.SECONDS);
    } catch (IOException e) {
      close();
      throw e;
    } catch (Exception e) {
      close();
      throw new IOException("server did not start", e);
    }
    return this;
  }

  private LogStore openStore() throws IOException {
    if (config.store != null) {
      store = config.store;
      ownsStore = false;
    } else if (config.dataDir != null) {
      store = FileLogStore.open(config.dataDir, config.salvageDamaged);
      ownsStore = true;
    } else {
      store = new MemoryLogStore();
      ownsStore = true;
    }
    return store;
  }

  private static void closeQuietly(SelectableChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Closing anyway.
    }
  }

  /** The base URL, {@code http://host:port}, without a trailing slash. Valid once started. */
  public String url() {
    int port = connector.getLocalPort();
    if (port <= 0) {
      throw new IllegalStateException("not started");
    }
    String host = config.host.contains(":") ? "[" + config.host + "]" : config.host;
    return "http://" + host + ":" + port;
  }

  /** The URL of the stream at {@code path} (no leading slash), e.g. {@code rooms/42}. */
  public String streamUrl(String path) {
    requireNonNull(path, "path == null");
    return url() + StreamHandler.PREFIX + path;
  }

  /** The port the server listens on; valid once started. */
  public int port() {
    return connector.getLocalPort();
  }

  /** Threads of the request pool busy right now (diagnostics: waiting live reads hold none). */
  public int busyThreads() {
    return threads.getBusyThreads();
  }

  /** Long-polls and SSE sessions currently parked on a stream. */
  public int liveReaders() {
    StreamHandler.Wiring wired = wiring;
    return wired == null ? 0 : wired.liveReaders().getAsInt();
  }

  /**
   * Stops accepting requests, ends live reads, stops the conventions and closes the store when this
   * server opened it. Idempotent.
   */
  @Override
  public void close() {
    closing = true;
    try {
      jetty.stop();
    } catch (Exception e) {
      // Best effort: we are shutting down anyway.
    }
    List<SelectableChannel> open;
    synchronized (accepted) {
      open = new ArrayList<>(accepted);
      accepted.clear();
    }
    // As a process that exits would: clients see the connection end.
    open.forEach(StubServer::closeQuietly);
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

  /** Configures a {@link StubServer}. Arguments are checked as they are set. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 0;
    private @Nullable Path dataDir;
    private boolean salvageDamaged;
    private @Nullable LogStore store;
    private @Nullable StreamConventions conventions;
    private int keyframeChanges = 1000;
    private Duration keyframeInterval = Duration.ofSeconds(60);
    private @Nullable RetentionPolicy retention;
    private Duration longPollTimeout = Duration.ofSeconds(20);
    private Duration sseCycle = Duration.ofSeconds(60);
    private Duration sseHeartbeat = Duration.ofSeconds(15);
    private int maxBodyBytes = 16 * 1024 * 1024;
    private int maxReadBytes = 1024 * 1024;
    private long maxBodiesInFlightBytes = 64L * 1024 * 1024;
    private Duration producerIdleExpiry = Duration.ofDays(7);
    private int maxThreads = 32;
    private @Nullable Supplier<@Nullable String> bearerToken;

    private Builder() {}

    /** A snapshot, so that changing a builder never changes a server built from it. */
    private Builder(Builder other) {
      host = other.host;
      port = other.port;
      dataDir = other.dataDir;
      salvageDamaged = other.salvageDamaged;
      store = other.store;
      conventions = other.conventions;
      keyframeChanges = other.keyframeChanges;
      keyframeInterval = other.keyframeInterval;
      retention = other.retention;
      longPollTimeout = other.longPollTimeout;
      sseCycle = other.sseCycle;
      sseHeartbeat = other.sseHeartbeat;
      maxBodyBytes = other.maxBodyBytes;
      maxReadBytes = other.maxReadBytes;
      maxBodiesInFlightBytes = other.maxBodiesInFlightBytes;
      producerIdleExpiry = other.producerIdleExpiry;
      maxThreads = other.maxThreads;
      bearerToken = other.bearerToken;
    }

    /** Interface to bind; default 127.0.0.1. */
    public Builder host(String host) {
      this.host = requireNonNull(host, "host == null");
      return this;
    }

    /** Port to bind; default 0 picks a free one (read it back with {@link #port()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) throw new IllegalArgumentException("port < 0 || port > 65535");
      this.port = port;
      return this;
    }

    /** Keeps streams durably in {@code dir}. */
    public Builder dataDir(Path dir) {
      this.dataDir = requireNonNull(dir, "dir == null");
      this.store = null;
      return this;
    }

    /**
     * With a {@link #dataDir}: rewrite each damaged stream file with its intact records under a new
     * incarnation when the store opens, keeping the original in {@code <dir>/damaged/} (the
     * operator's way out of a stream fenced for damage; see {@link FileLogStore}).
     */
    public Builder salvageDamaged(boolean salvage) {
      this.salvageDamaged = salvage;
      return this;
    }

    /** Keeps streams on the heap only (the default). */
    public Builder memory() {
      this.dataDir = null;
      this.store = null;
      return this;
    }

    /** Serves {@code store}, which the caller keeps and closes. */
    public Builder store(LogStore store) {
      this.store = requireNonNull(store, "store == null");
      this.dataDir = null;
      return this;
    }

    /**
     * Replaces the rstream conventions (default: keyframes, timestamps and the keyframe index for
     * streams created with {@code Rstream-Keyframes}). Tests pass a no-op to get a plain Durable
     * Streams server. The server starts and closes them.
     */
    public Builder conventions(StreamConventions conventions) {
      this.conventions = requireNonNull(conventions, "conventions == null");
      return this;
    }

    /**
     * The retention of state streams created without an {@code Rstream-Retention} header, in that
     * header's form ({@code windows=N, age=T}); null (the default) keeps everything.
     *
     * @throws IllegalArgumentException when {@code retention} is malformed
     */
    public Builder retention(@Nullable String retention) {
      this.retention = retention == null ? null : RetentionPolicy.parse(retention);
      return this;
    }

    /** Default keyframe policy: a keyframe after this many changes. Default 1000. */
    public Builder keyframeChanges(int changes) {
      if (changes < 1) throw new IllegalArgumentException("changes < 1");
      this.keyframeChanges = changes;
      return this;
    }

    /** Default keyframe policy: a keyframe after this long with changes. Default 60 s. */
    public Builder keyframeInterval(Duration interval) {
      requireNonNull(interval, "interval == null");
      if (interval.isNegative() || interval.isZero())
        throw new IllegalArgumentException("interval <= 0");
      this.keyframeInterval = interval;
      return this;
    }

    /** How long a long-poll waits before 204. Default 20 s. */
    public Builder longPollTimeout(Duration timeout) {
      this.longPollTimeout = positive(timeout, "timeout");
      return this;
    }

    /** How long an SSE connection lives before the server ends it (spec 10.2). Default 60 s. */
    public Builder sseCycle(Duration cycle) {
      this.sseCycle = positive(cycle, "cycle");
      return this;
    }

    /** How often an idle SSE connection gets a heartbeat comment. Default 15 s. */
    public Builder sseHeartbeat(Duration heartbeat) {
      this.sseHeartbeat = positive(heartbeat, "heartbeat");
      return this;
    }

    /** Largest request body; larger ones get 413. Default 16 MiB. */
    public Builder maxBodyBytes(int bytes) {
      if (bytes < 1) throw new IllegalArgumentException("bytes < 1");
      this.maxBodyBytes = bytes;
      return this;
    }

    /**
     * How long an idempotent producer's state on a stream outlives its last accepted write (spec
     * 5.2.1 lets a server expire idle producers): after that its next write starts afresh, at
     * sequence 0. Kept in memory per stream, so it bounds what many one-off producer ids cost.
     * Default 7 days.
     */
    public Builder producerIdleExpiry(Duration idle) {
      requireNonNull(idle, "idle == null");
      if (idle.toMillis() < 1) throw new IllegalArgumentException("idle < 1ms");
      this.producerIdleExpiry = idle;
      return this;
    }

    /**
     * How many bytes of request bodies all requests together may hold while they are read; a
     * request that would go beyond is answered 503 with {@code Retry-After} before its body is
     * read. A body of unknown length counts as {@link #maxBodyBytes}. Never less than {@link
     * #maxBodyBytes}. Default 64 MiB.
     */
    public Builder maxBodiesInFlightBytes(long bytes) {
      if (bytes < 1) throw new IllegalArgumentException("bytes < 1");
      this.maxBodiesInFlightBytes = bytes;
      return this;
    }

    /** Most message bytes one read returns (at least one message). Default 1 MiB. */
    public Builder maxReadBytes(int bytes) {
      if (bytes < 1) throw new IllegalArgumentException("bytes < 1");
      this.maxReadBytes = bytes;
      return this;
    }

    /** Size of the request thread pool. Default 32. */
    public Builder maxThreads(int threads) {
      if (threads < 8) throw new IllegalArgumentException("threads < 8");
      this.maxThreads = threads;
      return this;
    }

    /**
     * Requires {@code Authorization: Bearer {token}} on every request but CORS preflight; others
     * are answered 401 with {@code WWW-Authenticate: Bearer}. The token is never logged.
     */
    public Builder bearerToken(String token) {
      requireNonNull(token, "token == null");
      if (token.isBlank()) throw new IllegalArgumentException("token is blank");
      String accepted = token.trim();
      return bearerToken(() -> accepted);
    }

    /**
     * Requires {@code Authorization: Bearer {token}} on every request but CORS preflight, where
     * {@code token} is what {@code accepted} returns when the request arrives (null or empty:
     * nothing is accepted). It is asked on every request, from Jetty's threads, so keep it fast and
     * thread-safe; it may change at any time, which is how a test rotates or expires a token
     * ({@code AtomicReference::get}). A live read already streaming keeps going; its next reconnect
     * is checked.
     */
    public Builder bearerToken(Supplier<@Nullable String> accepted) {
      this.bearerToken = requireNonNull(accepted, "accepted == null");
      return this;
    }

    /**
     * Requires the bearer token held in {@code file} (its content, trimmed), read again whenever
     * the file changes: another process rotates or expires the token by replacing the file (write a
     * new one, then rename it over the old). A missing file accepts nothing.
     */
    public Builder bearerTokenFile(Path file) {
      return bearerToken(BearerAuth.tokenFile(requireNonNull(file, "file == null")));
    }

    /** A server with this configuration, not started yet. */
    public StubServer build() {
      return new StubServer(new Builder(this));
    }

    private static Duration positive(Duration duration, String name) {
      requireNonNull(duration, name + " == null");
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(name + " <= 0");
      }
      return duration;
    }
  }
}
