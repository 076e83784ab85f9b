package dev.rstream.server;

import static java.util.Objects.requireNonNull;

import dev.rstream.server.http.BearerAuth;
import dev.rstream.server.http.StreamHandler;
import dev.rstream.server.state.RetentionPolicy;
import dev.rstream.server.state.StreamConventions;
import dev.rstream.server.storage.FileLogStore;
import dev.rstream.server.storage.LogStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
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
  private final HttpListener listener;
  private final ServerLifecycle lifecycle = new ServerLifecycle();

  private StubServer(Builder builder) {
    this.config = builder;
    // Longer than any wait we make on purpose, so Jetty never times out a parked live read.
    long idleTimeout =
        Math.max(builder.longPollTimeout.toMillis(), builder.sseHeartbeat.toMillis()) + 30_000;
    listener = new HttpListener(builder.host, builder.port, builder.maxThreads, idleTimeout);
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
  public StubServer start() throws IOException {
    if (lifecycle.started()) {
      throw new IllegalStateException("already started");
    }
    try {
      lifecycle.start(config, listener);
    } catch (IOException e) {
      close();
      throw e;
    } catch (Exception e) {
      close();
      throw new IOException("server did not start", e);
    }
    return this;
  }

  /** The base URL, {@code http://host:port}, without a trailing slash. Valid once started. */
  public String url() {
    int port = listener.port();
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
    return listener.port();
  }

  /** Threads of the request pool busy right now (diagnostics: waiting live reads hold none). */
  public int busyThreads() {
    return listener.busyThreads();
  }

  /** Long-polls and SSE sessions currently parked on a stream. */
  public int liveReaders() {
    return lifecycle.liveReaders();
  }

  /**
   * Stops accepting requests, ends live reads, stops the conventions and closes the store when this
   * server opened it. Idempotent.
   */
  @Override
  public void close() {
    listener.close();
    lifecycle.close();
  }

  /** Configures a {@link StubServer}. Arguments are checked as they are set. */
  public static final class Builder {
    String host = "127.0.0.1";
    int port = 0;
    @Nullable Path dataDir;
    boolean salvageDamaged;
    @Nullable LogStore store;
    @Nullable StreamConventions conventions;
    int keyframeChanges = 1000;
    Duration keyframeInterval = Duration.ofSeconds(60);
    @Nullable RetentionPolicy retention;
    Duration longPollTimeout = Duration.ofSeconds(20);
    Duration sseCycle = Duration.ofSeconds(60);
    Duration sseHeartbeat = Duration.ofSeconds(15);
    int maxBodyBytes = 16 * 1024 * 1024;
    int maxReadBytes = 1024 * 1024;
    long maxBodiesInFlightBytes = 64L * 1024 * 1024;
    Duration producerIdleExpiry = Duration.ofDays(7);
    int maxThreads = 32;
    @Nullable Supplier<@Nullable String> bearerToken;

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
