package dev.rstream.chaos;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import dev.rstream.chaos.FaultProxy.Fault;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import org.jspecify.annotations.Nullable;

/**
 * The client-to-server direction of one {@link ProxiedConnection}: reads each request, draws its
 * fault, and either carries out a request fault or forwards the request and hands the exchange
 * (with its response fault, if any) to the {@link ResponseRelay}. One thread, the connection's
 * request thread.
 */
final class RequestRelay {
  private final ProxiedConnection connection;
  private final BlockingQueue<Exchange> inFlight;
  private final FaultSchedule schedule;
  private final Traffic traffic;
  private final Random random;

  RequestRelay(
      ProxiedConnection connection,
      BlockingQueue<Exchange> inFlight,
      FaultSchedule schedule,
      Traffic traffic,
      Random random) {
    this.connection = connection;
    this.inFlight = inFlight;
    this.schedule = schedule;
    this.traffic = traffic;
    this.random = random;
  }

  /**
   * Relays requests until the client closes between two; throws when either side goes away or a
   * fault ends the connection ({@link ConnectionEnded}).
   */
  void run(InputStream fromClient, OutputStream toServer, OutputStream toClient)
      throws IOException {
    while (true) {
      byte[] head = HttpHead.read(fromClient);
      if (head == null) return; // the client closed between requests
      traffic.exchanges.incrementAndGet();
      forward(head, fromClient, toServer, toClient);
    }
  }

  private void forward(byte[] head, InputStream in, OutputStream out, OutputStream toClient)
      throws IOException {
    HttpHead request = HttpHead.parse(head);
    String target = request.target();
    String method = request.method();
    boolean sse = target.contains("live=sse");
    if (sse) request.remove("Accept-Encoding");
    String clientName = request.get(FaultProxy.CLIENT_HEADER);
    @Nullable Fault requestFault = null;
    @Nullable Fault responseFault = null;
    boolean live = target.contains("live=");
    if (live) traffic.liveExchanges.incrementAndGet();
    Fault drawn = schedule.draw(random, live, sse);
    if (drawn != null) {
      if (FaultSchedule.strikesRequest(drawn, random)) requestFault = drawn;
      else responseFault = drawn;
    }
    Exchange exchange = new Exchange(method, target, clientName, responseFault);
    byte[] newHead = request.bytes();
    long bodyLength = request.contentLength();
    boolean chunked = request.chunked();
    if (requestFault == Fault.STATUS_503
        || requestFault == Fault.STATUS_429
        || requestFault == Fault.TOKEN_EXPIRED) {
      // Read the body first: a client still writing it would see a broken pipe, not the status.
      HttpBody.copy(in, null, bodyLength, chunked);
      answer(requestFault, exchange, toClient);
    }
    if (requestFault == Fault.DROP_IN_REQUEST || requestFault == Fault.RESET) {
      cut(requestFault, exchange, newHead, in, out, bodyLength);
    }
    if (requestFault == Fault.DELAY) {
      schedule.fired(requestFault, exchange);
      ConnectionEnded.pause(50 + random.nextInt(950));
    }
    if (!inFlight.offer(exchange)) throw new IOException("pipelining is not supported");
    out.write(newHead);
    if (chunked) {
      HttpBody.copy(in, out, bodyLength, true);
    } else if (bodyLength > 0) {
      HttpBody.copy(in, out, bodyLength, false);
    }
    out.flush();
  }

  /** Answers the request with {@code fault}'s status instead of the server, then ends. */
  private void answer(Fault fault, Exchange exchange, OutputStream toClient) throws IOException {
    schedule.fired(fault, exchange);
    String status =
        fault == Fault.STATUS_503
            ? "503 Service Unavailable"
            : fault == Fault.STATUS_429 ? "429 Too Many Requests" : "401 Unauthorized";
    String extra =
        fault == Fault.TOKEN_EXPIRED
            ? "WWW-Authenticate: Bearer error=\"invalid_token\"\r\n"
            : "Retry-After: " + random.nextInt(2) + "\r\n";
    String response =
        "HTTP/1.1 "
            + status
            + "\r\n"
            + extra
            + "Content-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    toClient.write(response.getBytes(ISO_8859_1));
    toClient.flush();
    throw new ConnectionEnded();
  }

  /**
   * Forwards the request up to a random byte of its head or body, then closes both sides (the
   * client's with a reset for {@link Fault#RESET}) and ends.
   */
  private void cut(
      Fault fault,
      Exchange exchange,
      byte[] head,
      InputStream in,
      OutputStream out,
      long bodyLength)
      throws IOException {
    long total = head.length + Math.max(0, bodyLength);
    long cut = (long) (random.nextDouble() * total);
    schedule.fired(fault, exchange);
    if (cut < head.length) {
      out.write(head, 0, (int) cut);
    } else {
      out.write(head);
      HttpBody.copy(in, out, cut - head.length, false);
    }
    out.flush();
    connection.closeBoth(fault == Fault.RESET);
    throw new ConnectionEnded();
  }
}
