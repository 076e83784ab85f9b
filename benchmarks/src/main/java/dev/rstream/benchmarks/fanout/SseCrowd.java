package dev.rstream.benchmarks.fanout;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Many SSE connections on one stream, held by a few selector threads, that timestamp every message
 * they receive.
 *
 * <p>Why raw NIO and not an HTTP client: thousands of connections must cost the load generator as
 * little as possible on a 2-core machine that also runs the server, and an HTTP client decodes
 * chunked framing, lines and strings the figure does not need. Each message appended by the
 * benchmark carries {@code "seq":N}; a streaming byte matcher finds that pattern in whatever
 * arrives (headers, chunk sizes and SSE framing never contain it), so receipt is timed without
 * parsing SSE. A payload is written by both servers as one write, so the pattern is never split by
 * chunked framing; a split across socket reads is handled by the matcher's state.
 *
 * <p>Threading: {@link #connect} and {@link #awaitLast} on the benchmark thread; one selector
 * thread per worker reads. Latencies are kept per worker and merged after {@link #close}.
 */
final class SseCrowd implements AutoCloseable {
  private static final byte[] PATTERN = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HEADER_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final AtomicLongArray sentNanos;
  private final int warmup;
  private final int last;
  private final List<Worker> workers = new ArrayList<>();
  private final AtomicInteger ready = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();
  private final AtomicInteger closedEarly = new AtomicInteger();
  private int connections;

  /**
   * @param sentNanos {@code System.nanoTime()} at which each message was appended, written by the
   *     appender before its POST
   * @param warmup messages below this sequence number are counted but not timed
   */
  SseCrowd(AtomicLongArray sentNanos, int warmup, int threads) {
    this.sentNanos = sentNanos;
    this.warmup = warmup;
    this.last = sentNanos.length() - 1;
    for (int i = 0; i < threads; i++) workers.add(new Worker(i));
  }

  /**
   * Opens {@code count} SSE reads of {@code streamUrl} from {@code offset=now}, then starts the
   * selector threads; returns once every connection has its response headers (or {@code timeout}
   * passed, which {@link #ready} then shows).
   */
  void connect(String streamUrl, int count, long timeout, TimeUnit unit)
      throws IOException, InterruptedException {
    URI uri = URI.create(streamUrl);
    InetSocketAddress address = new InetSocketAddress(uri.getHost(), uri.getPort());
    byte[] request =
        ("GET "
                + uri.getRawPath()
                + "?offset=now&live=sse HTTP/1.1\r\nHost: "
                + uri.getHost()
                + ":"
                + uri.getPort()
                + "\r\nAccept: text/event-stream\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < count; i++) {
      SocketChannel channel = SocketChannel.open();
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      channel.connect(address);
      ByteBuffer out = ByteBuffer.wrap(request);
      while (out.hasRemaining()) channel.write(out);
      channel.configureBlocking(false);
      Worker worker = workers.get(i % workers.size());
      worker.connections.add(new Connection(channel));
    }
    connections = count;
    for (Worker worker : workers) worker.start();
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (ready.get() + refused.get() < count && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }

  /** Connections whose response started with status 200. */
  int ready() {
    return ready.get();
  }

  /** Connections answered with another status. */
  int refused() {
    return refused.get();
  }

  /** Connections the server closed before the run ended. */
  int closedEarly() {
    return closedEarly.get();
  }

  /**
   * Waits until every ready connection received message {@code last} (the last one appended), or
   * the timeout passed.
   */
  boolean awaitLast(int last, long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (true) {
      int reached = 0;
      for (Worker worker : workers) {
        for (Connection connection : worker.connections) {
          if (connection.headersDone && connection.previous >= last) reached++;
        }
      }
      if (reached >= ready.get()) return true;
      if (System.nanoTime() > deadline) return false;
      TimeUnit.MILLISECONDS.sleep(5);
    }
  }

  /** What the connections received, once closed. */
  record Result(
      int connections, long received, long outOfOrder, long clientCpuNanos, int[] sortedMicros) {
    double percentileMillis(double p) {
      if (sortedMicros.length == 0) return Double.NaN;
      int index = (int) Math.ceil(p / 100.0 * sortedMicros.length) - 1;
      return sortedMicros[Math.max(0, Math.min(sortedMicros.length - 1, index))] / 1000.0;
    }
  }

  /** Stops the selector threads, closes every connection and merges what they measured. */
  Result result() throws InterruptedException {
    close();
    long received = 0;
    long outOfOrder = 0;
    long cpu = 0;
    int samples = 0;
    for (Worker worker : workers) {
      cpu += worker.cpuNanos;
      received += worker.received;
      outOfOrder += worker.outOfOrder;
      samples += worker.latencyCount;
    }
    int[] all = new int[samples];
    int at = 0;
    for (Worker worker : workers) {
      System.arraycopy(worker.latencies, 0, all, at, worker.latencyCount);
      at += worker.latencyCount;
    }
    Arrays.sort(all);
    return new Result(connections, received, outOfOrder, cpu, all);
  }

  @Override
  public void close() throws InterruptedException {
    for (Worker worker : workers) worker.running = false;
    for (Worker worker : workers) {
      worker.selector.wakeup();
      if (worker.isAlive()) worker.join(TimeUnit.SECONDS.toMillis(10));
    }
    for (Worker worker : workers) {
      for (Connection connection : worker.connections) {
        try {
          connection.channel.close();
        } catch (IOException ignored) {
          // Closing is all that is left to do with it.
        }
      }
      try {
        worker.selector.close();
      } catch (IOException ignored) {
        // As above.
      }
    }
  }

  /** One SSE connection's parse state: only as much as finding {@code "seq":N} needs. */
  private static final class Connection {
    final SocketChannel channel;
    final byte[] status = new byte[12];
    int statusLength;
    int headerMatch;
    volatile boolean headersDone;
    int match;
    boolean inNumber;
    int number;

    /** The last sequence number received; read by the benchmark thread in {@link #awaitLast}. */
    volatile int previous = -1;

    Connection(SocketChannel channel) {
      this.channel = channel;
    }
  }

  private final class Worker extends Thread {
    final Selector selector;
    final List<Connection> connections = new ArrayList<>();
    // One buffer per thread: a connection's state is its matcher, never bytes.
    final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
    final byte[] bytes = new byte[64 * 1024];
    volatile boolean running = true;
    int[] latencies = new int[1 << 16];
    int latencyCount;
    long received;
    long outOfOrder;

    /** CPU time of this thread, taken when it stops: what reading costs the load generator. */
    volatile long cpuNanos;

    Worker(int index) {
      super("fanout-sse-" + index);
      setDaemon(true);
      try {
        selector = Selector.open();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void run() {
      try {
        for (Connection connection : connections) {
          connection.channel.register(selector, SelectionKey.OP_READ, connection);
        }
        while (running) {
          selector.select(100);
          for (SelectionKey key : selector.selectedKeys()) {
            read((Connection) key.attachment(), key);
          }
          selector.selectedKeys().clear();
        }
      } catch (IOException e) {
        if (running) throw new IllegalStateException(e);
      } finally {
        cpuNanos = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
      }
    }

    private void read(Connection connection, SelectionKey key) {
      while (true) {
        buffer.clear();
        int n;
        try {
          n = connection.channel.read(buffer);
        } catch (IOException e) {
          n = -1;
        }
        if (n < 0) {
          key.cancel();
          if (running) closedEarly.incrementAndGet();
          return;
        }
        if (n == 0) return;
        long now = System.nanoTime();
        buffer.flip();
        buffer.get(bytes, 0, n);
        scan(connection, n, now);
      }
    }

    private void scan(Connection c, int n, long now) {
      for (int i = 0; i < n; i++) {
        byte b = bytes[i];
        if (!c.headersDone) {
          if (c.statusLength < c.status.length) c.status[c.statusLength++] = b;
          c.headerMatch = b == HEADER_END[c.headerMatch] ? c.headerMatch + 1 : (b == '\r' ? 1 : 0);
          if (c.headerMatch == HEADER_END.length) {
            c.headersDone = true;
            String status = new String(c.status, 0, c.statusLength, StandardCharsets.US_ASCII);
            (status.endsWith(" 200") ? ready : refused).incrementAndGet();
          }
          continue;
        }
        if (c.inNumber) {
          if (b >= '0' && b <= '9') {
            c.number = c.number * 10 + (b - '0');
            continue;
          }
          c.inNumber = false;
          delivered(c, c.number, now);
        }
        if (b == PATTERN[c.match]) {
          if (++c.match == PATTERN.length) {
            c.match = 0;
            c.inNumber = true;
            c.number = 0;
          }
        } else {
          c.match = b == PATTERN[0] ? 1 : 0;
        }
      }
    }

    private void delivered(Connection c, int seq, long now) {
      received++;
      // Every connection reads from before the first append: it must see 0, 1, 2, ... in order.
      if (seq != c.previous + 1) outOfOrder++;
      c.previous = seq;
      if (seq < warmup || seq > last) return;
      long micros = (now - sentNanos.get(seq)) / 1000;
      if (latencyCount == latencies.length)
        latencies = Arrays.copyOf(latencies, latencies.length * 2);
      latencies[latencyCount++] = (int) Math.min(Integer.MAX_VALUE, micros);
    }
  }
}
