package dev.rstream.testing;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network between clients and one server, on real sockets: a TCP relay on 127.0.0.1 that can go
 * {@linkplain #down() down} (every connection through it is cut, new ones are refused at once) and
 * come {@linkplain #up() up} again, and that can {@linkplain #stall() stall} (connections stay
 * open, but no byte reaches the client: a socket that died without a word). It records each
 * connection it opened and closed, in order ({@link #events()}), and which are open now.
 *
 * <p>Two threads per connection (one per direction) and one that accepts; {@link #close()} stops
 * them all. Thread-safe.
 */
public final class NetworkLink implements Closeable {
  private final ServerSocket listener;
  private final String upstreamHost;
  private final int upstreamPort;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, Socket[]> open = new ConcurrentHashMap<>();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private volatile boolean down;
  private volatile boolean stalled;
  private volatile boolean closed;

  private NetworkLink(String upstreamHost, int upstreamPort) throws IOException {
    this.upstreamHost = upstreamHost;
    this.upstreamPort = upstreamPort;
    this.listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread acceptor = new Thread(this::accept, "network-link-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A link, up, to the server at {@code host:port}. */
  public static NetworkLink to(String host, int port) throws IOException {
    return new NetworkLink(host, port);
  }

  /** {@code url} (an http URL of the server) as reached through this link. */
  public String url(String url) {
    return url.replaceFirst("//[^/]+", "//127.0.0.1:" + listener.getLocalPort());
  }

  /** Cuts every connection and refuses new ones (closed as soon as accepted) until {@link #up}. */
  public void down() {
    down = true;
    for (Integer id : new ArrayList<>(open.keySet())) cut(id);
  }

  /** Relays new connections again; also ends a {@link #stall}. */
  public void up() {
    stalled = false;
    down = false;
  }

  /** Connections stay open and requests reach the server, but no byte of an answer comes back. */
  public void stall() {
    stalled = true;
  }

  /** Connections open now, by id. */
  public List<Integer> openConnections() {
    return new ArrayList<>(open.keySet());
  }

  /** {@code "open N"} and {@code "close N"} for each connection, in the order they happened. */
  public List<String> events() {
    return new ArrayList<>(events);
  }

  /** Connections relayed so far. */
  public int connectionsOpened() {
    return ids.get();
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (down) {
        closeQuietly(client);
        continue;
      }
      Socket server;
      try {
        server = new Socket(upstreamHost, upstreamPort);
      } catch (IOException e) {
        closeQuietly(client);
        continue;
      }
      int id = ids.incrementAndGet();
      open.put(id, new Socket[] {client, server});
      events.add("open " + id);
      pump(id, client, server, false);
      pump(id, server, client, true);
    }
  }

  private void pump(int id, Socket from, Socket to, boolean toClient) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) != -1) {
                  if (toClient && stalled) continue; // swallowed: the client hears nothing
                  out.write(buffer, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // Cut, or the other side closed: the connection ends below.
              }
              cut(id);
            },
            "network-link-" + id + (toClient ? "-down" : "-up"));
    thread.setDaemon(true);
    thread.start();
  }

  private void cut(int id) {
    Socket[] sockets = open.remove(id);
    if (sockets == null) return;
    closeQuietly(sockets[0]);
    closeQuietly(sockets[1]);
    events.add("close " + id);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Closing is all that is asked.
    }
  }

  /** Stops accepting and cuts every connection. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(listener);
    down();
  }

  private static void closeQuietly(ServerSocket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Closing is all that is asked.
    }
  }
}
