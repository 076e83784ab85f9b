package dev.rstream.server;

import dev.rstream.server.http.JsonErrorHandler;
import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.Executor;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The server's HTTP side: Jetty on its own request thread pool, one port, gzip in front of the
 * stream handler. {@link #close} ends every connection the port accepted, as a process that exits
 * would, including those Jetty's stop leaves open.
 *
 * <p>Lifecycle: {@link #start} (Jetty without its port), then {@link #openPort}, then {@link
 * #close}; close may come at any point and more than once.
 */
final class HttpListener {
  private final QueuedThreadPool threads;
  private final Server jetty;
  private final ServerConnector connector;
  // Every connection accepted and not yet collected, closed by close(): see the constructor.
  private final Set<SelectableChannel> accepted =
      Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  private volatile boolean closing;

  /**
   * A listener on {@code host}:{@code port} (0: a free one) serving on up to {@code maxThreads}
   * threads; a connection idle for {@code idleTimeoutMillis} is closed.
   */
  HttpListener(String host, int port, int maxThreads, long idleTimeoutMillis) {
    threads = new QueuedThreadPool(maxThreads, Math.min(8, maxThreads));
    threads.setName("rstream-http");
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
    connector.setHost(host);
    connector.setPort(port);
    connector.setIdleTimeout(idleTimeoutMillis);
  }

  /** The request thread pool, which also runs what the stream handler hands off. */
  Executor threads() {
    return threads;
  }

  /** Starts Jetty serving {@code handler}, behind gzip, without opening the port yet. */
  @SuppressWarnings("removal") // GzipHandler: its successor needs jetty-compression artifacts
  void start(Handler handler) throws Exception {
    GzipHandler gzip = new GzipHandler();
    gzip.setMinGzipSize(512);
    // SSE must reach the client event by event; a compressor would hold events back.
    gzip.addExcludedMimeTypes("text/event-stream");
    gzip.setHandler(handler);
    jetty.setHandler(gzip);
    jetty.start();
  }

  /** Opens the port: connections are accepted from now on. */
  void openPort() throws Exception {
    jetty.addConnector(connector);
    connector.start();
  }

  /** The port listened on; 0 or less before {@link #openPort}. */
  int port() {
    return connector.getLocalPort();
  }

  /** Threads of the request pool busy right now. */
  int busyThreads() {
    return threads.getBusyThreads();
  }

  /** Stops Jetty, then closes every connection still open. */
  void close() {
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
    open.forEach(HttpListener::closeQuietly);
  }

  private static void closeQuietly(SelectableChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Closing anyway.
    }
  }
}
