package dev.rstream.chaos;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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

  private static final Set<Fault> REQUEST_FAULTS =
      EnumSet.of(
          Fault.DROP_IN_REQUEST,
          Fault.DELAY,
          Fault.STATUS_503,
          Fault.STATUS_429,
          Fault.RESET,
          Fault.TOKEN_EXPIRED);
  private static final Set<Fault> SSE_FAULTS =
      EnumSet.of(
          Fault.DROP_IN_EVENT,
          Fault.DROP_BETWEEN_EVENTS,
          Fault.STALL,
          Fault.TRUNCATE_BODY,
          Fault.SLOW_DRIP,
          Fault.RESET);
  private static final Set<Fault> BODY_FAULTS =
      EnumSet.of(
          Fault.DROP_IN_BODY, Fault.STALL, Fault.TRUNCATE_BODY, Fault.SLOW_DRIP, Fault.RESET);

  private final int upstreamPort;
  private final long seed;
  private final long stallMillis;
  private final Set<Fault> kinds;
  private final Listener listener;
  private volatile double faultRate;
  private volatile double liveFaultRate;
  private final AtomicLong liveExchanges = new AtomicLong();
  private final ServerSocket serverSocket;
  private final Thread acceptor;
  private final AtomicLong connectionCount = new AtomicLong();
  private final AtomicLong exchanges = new AtomicLong();
  private final Map<Fault, AtomicLong> counts = new EnumMap<>(Fault.class);
  private final Set<Connection> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private FaultProxy(Builder builder) throws IOException {
    this.upstreamPort = builder.upstreamPort;
    this.seed = builder.seed;
    this.stallMillis = builder.stallMillis;
    this.kinds = Collections.unmodifiableSet(EnumSet.copyOf(builder.kinds));
    this.listener = builder.listener;
    this.faultRate = builder.faultRate;
    this.liveFaultRate = builder.liveFaultRate >= 0 ? builder.liveFaultRate : builder.faultRate;
    for (Fault fault : Fault.values()) counts.put(fault, new AtomicLong());
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
    this.faultRate = rate;
    this.liveFaultRate = liveRate;
  }

  /** Faults injected so far, by kind (every kind present, in declaration order). */
  public Map<Fault, Long> counts() {
    Map<Fault, Long> result = new LinkedHashMap<>();
    counts.forEach((fault, count) -> result.put(fault, count.get()));
    return result;
  }

  /** Faults injected so far, all kinds. */
  public long totalFaults() {
    long total = 0;
    for (AtomicLong count : counts.values()) total += count.get();
    return total;
  }

  /** Requests seen so far. */
  public long exchanges() {
    return exchanges.get();
  }

  /** Live reads ({@code live=} in the query: SSE or long-poll) seen so far. */
  public long liveExchanges() {
    return liveExchanges.get();
  }

  /** Client connections accepted so far. */
  public long connectionsAccepted() {
    return connectionCount.get();
  }

  /** Client connections open now. */
  public int openConnections() {
    return open.size();
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
    for (Connection connection : new ArrayList<>(open)) connection.closeBoth(false);
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
      long n = connectionCount.incrementAndGet();
      Connection connection = new Connection(client, new Random(seed * 31 + n), n);
      open.add(connection);
      connection.start();
    }
  }

  private boolean draw(Random random, boolean live) {
    double rate = live ? liveFaultRate : faultRate;
    return rate > 0 && random.nextDouble() < rate;
  }

  private void fired(Fault fault, Exchange exchange) {
    counts.get(fault).incrementAndGet();
    listener.onFault(fault, exchange.client, exchange.method, exchange.target);
  }

  /** What the request side decided for one exchange; the response side carries it out. */
  private static final class Exchange {
    final String method;
    final String target;
    final @Nullable String client;
    final boolean sse;

    /** The response fault this exchange drew, if any; the response side picks where it strikes. */
    final @Nullable Fault responseFault;

    Exchange(
        String method,
        String target,
        @Nullable String client,
        boolean sse,
        @Nullable Fault responseFault) {
      this.method = method;
      this.target = target;
      this.client = client;
      this.sse = sse;
      this.responseFault = responseFault;
    }
  }

  /** A fault the response side picked, and the byte (or event) it strikes at. */
  private static final class Plan {
    final Fault fault;
    long at;

    Plan(Fault fault, long at) {
      this.fault = fault;
      this.at = at;
    }
  }

  /** Thrown to unwind a connection's thread once a fault has ended the connection. */
  private static final class Ended extends IOException {
    Ended() {
      super("connection ended by a fault");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // control flow, not an error: no trace to fill
    }
  }

  private final class Connection {
    private final Socket client;
    private final Random requestRandom;
    private final Random responseRandom;
    private final long number;
    private @Nullable Socket upstream;
    private final BlockingQueue<Exchange> exchangesInFlight = new ArrayBlockingQueue<>(16);
    private final AtomicInteger closes = new AtomicInteger();

    Connection(Socket client, Random random, long number) {
      this.client = client;
      this.requestRandom = random;
      this.responseRandom = new Random(random.nextLong());
      this.number = number;
    }

    void start() {
      Thread requests = new Thread(this::pumpRequests, "fault-proxy-" + number + "-requests");
      requests.setDaemon(true);
      requests.start();
    }

    /** Closes both sockets, the client's with a reset if {@code reset}. Idempotent. */
    void closeBoth(boolean reset) {
      if (closes.getAndIncrement() > 0) return;
      try {
        if (reset) client.setSoLinger(true, 0);
      } catch (SocketException ignored) {
        // already closed
      }
      closeQuietly(client);
      Socket up = upstream;
      if (up != null) closeQuietly(up);
      open.remove(this);
    }

    private void pumpRequests() {
      try {
        Socket up = new Socket();
        upstream = up;
        try {
          up.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 2_000);
        } catch (IOException e) {
          // The server is down: the client sees its connection closed, as through a real LB.
          closeBoth(false);
          return;
        }
        if (closes.get() > 0) {
          closeQuietly(up);
          return;
        }
        Thread responses = new Thread(this::pumpResponses, "fault-proxy-" + number + "-responses");
        responses.setDaemon(true);
        responses.start();
        InputStream in = new BufferedInputStream(client.getInputStream());
        OutputStream out = up.getOutputStream();
        while (true) {
          byte[] head = readHead(in);
          if (head == null) break; // the client closed between requests
          exchanges.incrementAndGet();
          forwardRequest(head, in, out);
        }
      } catch (IOException e) {
        // either side went away, or a fault ended the connection
      } finally {
        closeBoth(false);
      }
    }

    private void forwardRequest(byte[] head, InputStream in, OutputStream out) throws IOException {
      Head request = Head.parse(head);
      String target =
          request.startLine.split(" ", 3).length > 1 ? request.startLine.split(" ", 3)[1] : "";
      String method = request.startLine.split(" ", 2)[0];
      boolean sse = target.contains("live=sse");
      if (sse) request.remove("Accept-Encoding");
      String clientName = request.get(CLIENT_HEADER);
      Fault requestFault = null;
      @Nullable Fault responseFault = null;
      boolean live = target.contains("live=");
      if (live) liveExchanges.incrementAndGet();
      if (draw(requestRandom, live)) {
        List<Fault> options = new ArrayList<>();
        for (Fault f : kinds)
          if (REQUEST_FAULTS.contains(f) || (sse ? SSE_FAULTS : BODY_FAULTS).contains(f))
            options.add(f);
        Fault fault = options.isEmpty() ? null : options.get(requestRandom.nextInt(options.size()));
        // A reset strikes the request or the response, half and half.
        boolean inRequest =
            fault == Fault.RESET ? requestRandom.nextBoolean() : REQUEST_FAULTS.contains(fault);
        if (fault != null && inRequest) requestFault = fault;
        else responseFault = fault;
      }
      Exchange exchange = new Exchange(method, target, clientName, sse, responseFault);
      byte[] newHead = request.bytes();
      long bodyLength = request.contentLength();
      boolean chunked = request.chunked();
      if (requestFault == Fault.STATUS_503
          || requestFault == Fault.STATUS_429
          || requestFault == Fault.TOKEN_EXPIRED) {
        // Read the body first: a client still writing it would see a broken pipe, not the status.
        copyBody(in, null, bodyLength, chunked);
        fired(requestFault, exchange);
        String status =
            requestFault == Fault.STATUS_503
                ? "503 Service Unavailable"
                : requestFault == Fault.STATUS_429 ? "429 Too Many Requests" : "401 Unauthorized";
        String extra =
            requestFault == Fault.TOKEN_EXPIRED
                ? "WWW-Authenticate: Bearer error=\"invalid_token\"\r\n"
                : "Retry-After: " + requestRandom.nextInt(2) + "\r\n";
        String response =
            "HTTP/1.1 "
                + status
                + "\r\n"
                + extra
                + "Content-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        OutputStream toClient = client.getOutputStream();
        toClient.write(response.getBytes(ISO_8859_1));
        toClient.flush();
        throw new Ended();
      }
      if (requestFault == Fault.DROP_IN_REQUEST || requestFault == Fault.RESET) {
        long total = newHead.length + Math.max(0, bodyLength);
        long cut = (long) (requestRandom.nextDouble() * total);
        fired(requestFault, exchange);
        if (cut < newHead.length) {
          out.write(newHead, 0, (int) cut);
        } else {
          out.write(newHead);
          copyBody(in, out, cut - newHead.length, false);
        }
        out.flush();
        closeBoth(requestFault == Fault.RESET);
        throw new Ended();
      }
      if (requestFault == Fault.DELAY) {
        fired(requestFault, exchange);
        sleep(50 + requestRandom.nextInt(950));
      }
      if (!exchangesInFlight.offer(exchange)) throw new IOException("pipelining is not supported");
      out.write(newHead);
      if (chunked) {
        copyChunkedRaw(in, out);
      } else if (bodyLength > 0) {
        copyBody(in, out, bodyLength, false);
      }
      out.flush();
    }

    private void pumpResponses() {
      try {
        Socket up = upstream;
        if (up == null) return;
        InputStream in = new BufferedInputStream(up.getInputStream());
        OutputStream out = client.getOutputStream();
        while (true) {
          byte[] headBytes = readHead(in);
          if (headBytes == null) break;
          Exchange exchange = exchangesInFlight.poll(30, TimeUnit.SECONDS);
          if (exchange == null) throw new IOException("response without a request");
          Head head = Head.parse(headBytes);
          int status = Integer.parseInt(head.startLine.split(" ", 3)[1]);
          if (status >= 100 && status < 200) {
            exchangesInFlight.offer(exchange); // the final response is still to come
            out.write(headBytes);
            out.flush();
            continue;
          }
          relayResponse(exchange, head, status, in, out);
          if ("close".equalsIgnoreCase(head.get("Connection"))) break;
        }
      } catch (IOException e) {
        // either side went away, or a fault ended the connection
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        closeBoth(false);
      }
    }

    private void relayResponse(
        Exchange exchange, Head head, int status, InputStream in, OutputStream out)
        throws IOException {
      boolean noBody = exchange.method.equals("HEAD") || status == 204 || status == 304;
      boolean chunked = !noBody && head.chunked();
      long length = noBody ? 0 : head.contentLength();
      boolean closeDelimited = !noBody && !chunked && length < 0;
      String contentType = head.get("Content-Type");
      boolean sse =
          contentType != null
              && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
      Plan plan =
          exchange.responseFault != null
              ? plan(exchange.responseFault, sse, chunked, length, noBody)
              : null;
      if (plan != null && plan.fault == Fault.TRUNCATE_BODY && !chunked && length > 0) {
        // A shorter Content-Length: the client gets a complete-looking but cut body.
        head.set("Content-Length", Long.toString(plan.at));
        fired(plan.fault, exchange);
        out.write(head.bytes());
        copyBody(in, out, plan.at, false);
        out.flush();
        throw new Ended(); // the rest of the real body is still on the upstream connection
      }
      out.write(head.bytes());
      out.flush();
      if (noBody) return;
      BodyCursor body = new BodyCursor(in, chunked, closeDelimited ? Long.MAX_VALUE : length);
      boolean slow = plan != null && plan.fault == Fault.SLOW_DRIP;
      long dripUntil = slow ? plan.at : 0;
      boolean dripCounted = false;
      long position = 0;
      int boundaries = 0;
      int last1 = -1;
      int last2 = -1;
      byte[] buffer = new byte[8192];
      while (true) {
        int n = body.read(buffer);
        if (n < 0) break;
        int start = 0;
        for (int i = 0; i < n; i++) {
          int b = buffer[i] & 0xff;
          long here = position + i;
          if (plan != null
              && plan.fault == Fault.DROP_IN_EVENT
              && here == plan.at
              && last1 == '\n'
              && last2 == '\n') {
            plan.at++; // this byte starts an event: cut one byte into it instead
          }
          if (plan != null && !slow && plan.fault != Fault.DROP_BETWEEN_EVENTS && here == plan.at) {
            writeBody(out, buffer, start, i - start, chunked);
            strike(plan, exchange, chunked, out);
          }
          boolean boundary = b == '\n' && (last1 == '\n' || (last1 == '\r' && last2 == '\n'));
          last2 = last1;
          last1 = b;
          if (boundary) {
            boundaries++;
            if (plan != null && plan.fault == Fault.DROP_BETWEEN_EVENTS && boundaries == plan.at) {
              writeBody(out, buffer, start, i + 1 - start, chunked);
              strike(plan, exchange, chunked, out);
            }
          }
        }
        if (slow && position < dripUntil) {
          if (!dripCounted) {
            fired(Fault.SLOW_DRIP, exchange);
            dripCounted = true;
          }
          int i = start;
          while (i < n) {
            int piece = Math.min(n - i, 1 + responseRandom.nextInt(16));
            writeBody(out, buffer, i, piece, chunked);
            out.flush();
            i += piece;
            sleep(1 + responseRandom.nextInt(4));
          }
        } else {
          writeBody(out, buffer, start, n - start, chunked);
          out.flush();
        }
        position += n;
      }
      if (chunked) {
        out.write("0\r\n\r\n".getBytes(ISO_8859_1));
        out.flush();
      }
      if (closeDelimited) throw new Ended();
    }

    /** Where {@code fault} strikes this response, or null if it does not fit it. */
    private @Nullable Plan plan(
        Fault fault, boolean sse, boolean chunked, long length, boolean noBody) {
      if (noBody || !(sse ? SSE_FAULTS : BODY_FAULTS).contains(fault)) return null;
      if (fault == Fault.DROP_BETWEEN_EVENTS)
        return new Plan(fault, 1 + responseRandom.nextInt(40));
      if (fault == Fault.TRUNCATE_BODY && !chunked && length <= 1) return null;
      // A live body is endless: strike within its first seconds. A catch-up body: anywhere in it.
      long span = length > 0 ? length : sse ? 16_384 : 4_096;
      long at =
          fault == Fault.TRUNCATE_BODY && length > 1
              ? 1 + (long) (responseRandom.nextDouble() * (length - 1))
              : (long) (responseRandom.nextDouble() * span);
      return new Plan(fault, at);
    }

    private void strike(Plan plan, Exchange exchange, boolean chunked, OutputStream out)
        throws IOException {
      fired(plan.fault, exchange);
      out.flush();
      switch (plan.fault) {
        case TRUNCATE_BODY:
          if (chunked) out.write("0\r\n\r\n".getBytes(ISO_8859_1));
          out.flush();
          // The body looks complete; what is left upstream belongs to no one: end the connection.
          closeBoth(false);
          throw new Ended();
        case STALL:
          sleep(stallMillis);
          closeBoth(false);
          throw new Ended();
        case RESET:
          closeBoth(true);
          throw new Ended();
        default:
          closeBoth(false);
          throw new Ended();
      }
    }
  }

  private static void writeBody(
      OutputStream out, byte[] buffer, int offset, int count, boolean chunked) throws IOException {
    if (count <= 0) return;
    if (chunked) out.write((Integer.toHexString(count) + "\r\n").getBytes(ISO_8859_1));
    out.write(buffer, offset, count);
    if (chunked) out.write("\r\n".getBytes(ISO_8859_1));
  }

  /** Reads a body's payload (chunked decoded) until its end. */
  private static final class BodyCursor {
    private final InputStream in;
    private final boolean chunked;
    private long remaining;
    private boolean done;

    BodyCursor(InputStream in, boolean chunked, long length) {
      this.in = in;
      this.chunked = chunked;
      this.remaining = chunked ? 0 : length;
    }

    int read(byte[] buffer) throws IOException {
      if (done) return -1;
      if (chunked && remaining == 0) {
        String size = readLine(in);
        if (size == null) throw new EOFException("chunk size");
        int semicolon = size.indexOf(';');
        long chunk =
            Long.parseLong((semicolon >= 0 ? size.substring(0, semicolon) : size).trim(), 16);
        if (chunk == 0) {
          // Trailers, if any, up to the empty line.
          for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
            // ignored
          }
          done = true;
          return -1;
        }
        remaining = chunk;
      }
      if (!chunked && remaining == 0) {
        done = true;
        return -1;
      }
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
      if (n < 0) {
        if (!chunked && remaining == Long.MAX_VALUE) {
          done = true;
          return -1; // close-delimited: the end of the stream is the end of the body
        }
        throw new EOFException("body cut upstream");
      }
      if (remaining != Long.MAX_VALUE) remaining -= n;
      if (chunked && remaining == 0) {
        if (readLine(in) == null) throw new EOFException("chunk end");
      }
      return n;
    }
  }

  /** An HTTP head: start line and headers, in order, editable. */
  private static final class Head {
    final String startLine;
    final List<String[]> headers = new ArrayList<>();

    private Head(String startLine) {
      this.startLine = startLine;
    }

    static Head parse(byte[] bytes) {
      String[] lines = new String(bytes, ISO_8859_1).split("\r\n");
      Head head = new Head(lines[0]);
      for (int i = 1; i < lines.length; i++) {
        if (lines[i].isEmpty()) continue;
        int colon = lines[i].indexOf(':');
        if (colon < 0) continue;
        head.headers.add(
            new String[] {
              lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim()
            });
      }
      return head;
    }

    @Nullable String get(String name) {
      for (String[] header : headers) if (header[0].equalsIgnoreCase(name)) return header[1];
      return null;
    }

    void remove(String name) {
      headers.removeIf(h -> h[0].equalsIgnoreCase(name));
    }

    void set(String name, String value) {
      remove(name);
      headers.add(new String[] {name, value});
    }

    long contentLength() {
      String value = get("Content-Length");
      return value == null ? -1 : Long.parseLong(value.trim());
    }

    boolean chunked() {
      String value = get("Transfer-Encoding");
      return value != null && value.toLowerCase(Locale.ROOT).contains("chunked");
    }

    byte[] bytes() {
      StringBuilder out = new StringBuilder(startLine).append("\r\n");
      for (String[] header : headers)
        out.append(header[0]).append(": ").append(header[1]).append("\r\n");
      return out.append("\r\n").toString().getBytes(ISO_8859_1);
    }
  }

  /** The bytes up to and including the empty line, or null at a clean end of stream before any. */
  private static byte @Nullable [] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(512);
    int last = 0; // the last four bytes read, oldest in the high byte
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (head.size() == 0) return null;
        throw new EOFException("head cut");
      }
      head.write(b);
      last = (last << 8) | b;
      if (last == 0x0d0a0d0a) return head.toByteArray();
      if (head.size() > 65_536) throw new IOException("head too long");
    }
  }

  private static @Nullable String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) return null;
      if (b == '\n') {
        int length = line.length();
        if (length > 0 && line.charAt(length - 1) == '\r') line.setLength(length - 1);
        return line.toString();
      }
      line.append((char) b);
    }
  }

  /**
   * Copies (or with {@code out} null, skips) {@code length} body bytes; chunked: the whole body.
   */
  private static void copyBody(
      InputStream in, @Nullable OutputStream out, long length, boolean chunked) throws IOException {
    if (chunked) {
      copyChunkedRaw(in, out);
      return;
    }
    byte[] buffer = new byte[8192];
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) throw new EOFException("request body cut");
      if (out != null) out.write(buffer, 0, n);
      left -= n;
    }
  }

  private static void copyChunkedRaw(InputStream in, @Nullable OutputStream out)
      throws IOException {
    BodyCursor body = new BodyCursor(in, true, 0);
    byte[] buffer = new byte[8192];
    for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
      if (out != null) writeBody(out, buffer, 0, n, true);
    }
    if (out != null) out.write("0\r\n\r\n".getBytes(ISO_8859_1));
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Ended();
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
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
      this.listener = java.util.Objects.requireNonNull(listener, "listener == null");
      return this;
    }

    /** Binds the port and starts accepting. */
    public FaultProxy start() throws IOException {
      if (upstreamPort < 0) throw new IllegalStateException("upstreamPort not set");
      return new FaultProxy(this);
    }
  }
}
