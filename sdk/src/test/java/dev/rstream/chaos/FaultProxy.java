package dev.rstream.chaos;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A TCP proxy on real sockets between HTTP/1.1 clients and one upstream server that injects faults
 * where they hurt: in a request, in a catch-up body, inside an SSE event, between two SSE events.
 * It parses just enough HTTP (request and response heads, {@code Content-Length} and chunked
 * bodies, close-delimited bodies) to know where it is.
 *
 * <p>Every exchange (one request and its response) draws at most one fault, with probability {@link
 * #faultRate}, from the connection's own {@link Random}: connection {@code n} uses {@code new
 * Random(seed * 31 + n)}, so a seed replays the same faults for the same order of connections
 * (thread timing can still reorder connections between runs). A fault is counted only once it
 * actually happens ({@link #counts()}); a drawn response fault that does not fit the response (a
 * body fault on an empty body, an event fault on a JSON body) is not counted.
 *
 * <p>Chunked responses are re-framed (decoded, then sent as chunks of the proxy's choosing, which
 * any HTTP proxy may do); {@code Accept-Encoding} is stripped from SSE requests so events stay
 * visible. A request header {@link #CLIENT_HEADER} names the client in fault reports.
 *
 * <p>Two threads per proxied connection (one per direction); {@link #close()} stops them all.
 * Thread-safe.
 */
public final class FaultProxy implements Closeable {
  /** A request header naming the client, passed to the {@link Listener}. */
  public static final String CLIENT_HEADER = "X-Soak-Client";

  /** The faults the proxy injects. */
  public enum Fault {
    /** The request is cut after a random number of bytes (head or body); both sides closed. */
    DROP_IN_REQUEST,
    /** A non-SSE response body is cut at a random byte; both sides closed. */
    DROP_IN_BODY,
    /** An SSE body is cut at a random byte inside an event. */
    DROP_IN_EVENT,
    /** An SSE body is cut just after a complete event. */
    DROP_BETWEEN_EVENTS,
    /**
     * No byte for {@link Builder#stallMillis} (longer than the client's read timeout), then closed.
     */
    STALL,
    /** The request is held for a while, then forwarded untouched. */
    DELAY,
    /** Answered {@code 503} with {@code Retry-After} without reaching the server. */
    STATUS_503,
    /** Answered {@code 429} with {@code Retry-After} without reaching the server. */
    STATUS_429,
    /** A body ends early but cleanly: a smaller {@code Content-Length}, or the last chunk early. */
    TRUNCATE_BODY,
    /** The start of a body is sent a few bytes at a time, with pauses. */
    SLOW_DRIP,
    /** The client's connection is reset (RST, {@code SO_LINGER 0}) at a random point. */
    RESET,
    /** A request is answered {@code 401} as if its token had expired (no server involved). */
    TOKEN_EXPIRED
  }

  /** Hears every fault as it happens, on the connection's thread; must not block. */
  public interface Listener {
    void onFault(Fault fault, @Nullable String client, String method, String target);
  }

  private final int upstreamPort;
  private final long seed;
  private final FaultSchedule schedule;
  private final Traffic traffic = new Traffic();
  private final ServerSocket serverSocket;
  private final Thread acceptor;
  private volatile boolean closed;

  private FaultProxy(Builder builder) throws IOException {
    this.upstreamPort = builder.upstreamPort;
    this.seed = builder.seed;
    this.schedule =
        new FaultSchedule(
            builder.kinds,
            builder.faultRate,
            builder.liveFaultRate >= 0 ? builder.liveFaultRate : builder.faultRate,
            builder.stallMillis,
            builder.listener);
    serverSocket = new ServerSocket();
    serverSocket.setReuseAddress(true);
    serverSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), builder.port), 200);
    acceptor = new Thread(this::accept, "fault-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A builder; {@link Builder#upstreamPort} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The port clients connect to. */
  public int port() {
    return serverSocket.getLocalPort();
  }

  /** The seed every connection's {@link Random} derives from. */
  public long seed() {
    return seed;
  }

  /**
   * The probability that an exchange draws a fault, for live reads and for other exchanges; may be
   * changed at any time (0 stops faults).
   */
  public void faultRate(double rate, double liveRate) {
    if (rate < 0 || rate > 1) throw new IllegalArgumentException("rate not in [0, 1]: " + rate);
    if (liveRate < 0 || liveRate > 1)
      throw new IllegalArgumentException("liveRate not in [0, 1]: " + liveRate);
    schedule.rates(rate, liveRate);
  }

  /** Faults injected so far, by kind (every kind present, in declaration order). */
  public Map<Fault, Long> counts() {
    return schedule.counts();
  }

  /** Faults injected so far, all kinds. */
  public long totalFaults() {
    return schedule.total();
  }

  /** Requests seen so far. */
  public long exchanges() {
    return traffic.exchanges.get();
  }

  /** Live reads ({@code live=} in the query: SSE or long-poll) seen so far. */
  public long liveExchanges() {
    return traffic.liveExchanges.get();
  }

  /** Client connections accepted so far. */
  public long connectionsAccepted() {
    return traffic.connections.get();
  }

  /** Client connections open now. */
  public int openConnections() {
    return traffic.open.size();
  }

  /** Stops accepting and closes every connection. */
  @Override
  public void close() {
    closed = true;
    try {
      serverSocket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (ProxiedConnection connection : new ArrayList<>(traffic.open)) connection.closeBoth(false);
    try {
      acceptor.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = serverSocket.accept();
      } catch (IOException e) {
        return; // closed
      }
      long n = traffic.connections.incrementAndGet();
      ProxiedConnection connection =
          new ProxiedConnection(
              client, n, new Random(seed * 31 + n), upstreamPort, schedule, traffic);
      traffic.open.add(connection);
      connection.start();
    }
  }

  /** Builds a {@link FaultProxy}; not thread-safe. */
  public static final class Builder {
    private int upstreamPort = -1;
    private int port = 0;
    private long seed = 1;
    private double faultRate = 0.1;
    private double liveFaultRate = -1;
    private long stallMillis = 6_000;
    private EnumSet<Fault> kinds = EnumSet.complementOf(EnumSet.of(Fault.TOKEN_EXPIRED));
    private Listener listener = (fault, client, method, target) -> {};

    private Builder() {}

    /** The server's port on the loopback interface. Required. */
    public Builder upstreamPort(int upstreamPort) {
      if (upstreamPort <= 0 || upstreamPort > 65_535)
        throw new IllegalArgumentException("port: " + upstreamPort);
      this.upstreamPort = upstreamPort;
      return this;
    }

    /** The port to listen on; 0 (the default) picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The seed of every connection's {@link Random}; 1 by default. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The probability that an exchange draws a fault; 0.1 by default. */
    public Builder faultRate(double faultRate) {
      if (faultRate < 0 || faultRate > 1) throw new IllegalArgumentException("rate: " + faultRate);
      this.faultRate = faultRate;
      return this;
    }

    /**
     * The probability that a live read ({@code live=} in the query) draws a fault; the {@link
     * #faultRate} by default. A live read lasts seconds to minutes, a catch-up read milliseconds: a
     * higher rate here spreads faults over time more evenly.
     */
    public Builder liveFaultRate(double liveFaultRate) {
      if (liveFaultRate < 0 || liveFaultRate > 1)
        throw new IllegalArgumentException("rate: " + liveFaultRate);
      this.liveFaultRate = liveFaultRate;
      return this;
    }

    /** How long a stall holds the connection silent before closing it; 6 s by default. */
    public Builder stallMillis(long stallMillis) {
      if (stallMillis < 0) throw new IllegalArgumentException("stallMillis < 0");
      this.stallMillis = stallMillis;
      return this;
    }

    /** The faults to draw from; every kind but {@link Fault#TOKEN_EXPIRED} by default. */
    public Builder kinds(Set<Fault> kinds) {
      if (kinds.isEmpty()) throw new IllegalArgumentException("no fault kinds");
      this.kinds = EnumSet.copyOf(kinds);
      return this;
    }

    /** Hears every fault injected. */
    public Builder listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener == null");
      return this;
    }

    /** Binds the port and starts accepting. */
    public FaultProxy start() throws IOException {
      if (upstreamPort < 0) throw new IllegalStateException("upstreamPort not set");
      return new FaultProxy(this);
    }
  }
}
