package dev.rstream.chaos;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * One client connection through the {@link FaultProxy} and the proxy's own connection to the server
 * for it. Two threads, one per direction: requests ({@link RequestRelay}) hand each exchange to
 * responses ({@link ResponseRelay}) in order. When either thread ends, or on {@link #closeBoth},
 * both sockets close. Thread-safe.
 */
final class ProxiedConnection {
  private final Socket client;
  private final long number;
  private final int upstreamPort;
  private final Traffic traffic;
  private final RequestRelay requests;
  private final ResponseRelay responses;
  private volatile @Nullable Socket upstream;
  private final AtomicInteger closes = new AtomicInteger();

  /**
   * Connection {@code number} from {@code client} to the server on {@code upstreamPort}; {@code
   * random} decides its faults.
   */
  ProxiedConnection(
      Socket client,
      long number,
      Random random,
      int upstreamPort,
      FaultSchedule schedule,
      Traffic traffic) {
    this.client = client;
    this.number = number;
    this.upstreamPort = upstreamPort;
    this.traffic = traffic;
    BlockingQueue<Exchange> inFlight = new ArrayBlockingQueue<>(16);
    this.requests = new RequestRelay(this, inFlight, schedule, traffic, random);
    this.responses = new ResponseRelay(this, inFlight, schedule, new Random(random.nextLong()));
  }

  /** Starts the request thread, which connects to the server and starts the response thread. */
  void start() {
    Thread thread = new Thread(this::relayRequests, "fault-proxy-" + number + "-requests");
    thread.setDaemon(true);
    thread.start();
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
    traffic.open.remove(this);
  }

  private void relayRequests() {
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
      Thread thread = new Thread(this::relayResponses, "fault-proxy-" + number + "-responses");
      thread.setDaemon(true);
      thread.start();
      requests.run(
          new BufferedInputStream(client.getInputStream()),
          up.getOutputStream(),
          client.getOutputStream());
    } catch (IOException e) {
      // either side went away, or a fault ended the connection
    } finally {
      closeBoth(false);
    }
  }

  private void relayResponses() {
    try {
      Socket up = upstream;
      if (up == null) return;
      responses.run(new BufferedInputStream(up.getInputStream()), client.getOutputStream());
    } catch (IOException e) {
      // either side went away, or a fault ended the connection
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeBoth(false);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
