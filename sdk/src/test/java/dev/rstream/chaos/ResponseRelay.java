package dev.rstream.chaos;

import dev.rstream.chaos.FaultProxy.Fault;
import dev.rstream.chaos.FaultSchedule.Strike;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The server-to-client direction of one {@link ProxiedConnection}: relays each response to the
 * exchange the {@link RequestRelay} handed over, and carries out that exchange's response fault
 * where it fits: a cut inside or between SSE events or anywhere in a body, a stall, a reset, a
 * clean but early end, a slow drip. Chunked bodies are re-framed. One thread, the connection's
 * response thread.
 */
final class ResponseRelay {
  private final ProxiedConnection connection;
  private final BlockingQueue<Exchange> inFlight;
  private final FaultSchedule schedule;
  private final Random random;

  ResponseRelay(
      ProxiedConnection connection,
      BlockingQueue<Exchange> inFlight,
      FaultSchedule schedule,
      Random random) {
    this.connection = connection;
    this.inFlight = inFlight;
    this.schedule = schedule;
    this.random = random;
  }

  /**
   * Relays responses until the server closes between two or asks to close; throws when either side
   * goes away or a fault ends the connection ({@link ConnectionEnded}).
   */
  void run(InputStream fromServer, OutputStream toClient) throws IOException, InterruptedException {
    while (true) {
      byte[] headBytes = HttpHead.read(fromServer);
      if (headBytes == null) return;
      Exchange exchange = inFlight.poll(30, TimeUnit.SECONDS);
      if (exchange == null) throw new IOException("response without a request");
      HttpHead head = HttpHead.parse(headBytes);
      int status = head.status();
      if (status >= 100 && status < 200) {
        inFlight.offer(exchange); // the final response is still to come
        toClient.write(headBytes);
        toClient.flush();
        continue;
      }
      relay(exchange, head, status, fromServer, toClient);
      if ("close".equalsIgnoreCase(head.get("Connection"))) return;
    }
  }

  private void relay(Exchange exchange, HttpHead head, int status, InputStream in, OutputStream out)
      throws IOException {
    boolean noBody = exchange.method().equals("HEAD") || status == 204 || status == 304;
    boolean chunked = !noBody && head.chunked();
    long length = noBody ? 0 : head.contentLength();
    boolean closeDelimited = !noBody && !chunked && length < 0;
    boolean sse = head.eventStream();
    Fault drawn = exchange.responseFault();
    @Nullable Strike strike =
        drawn != null ? schedule.strike(drawn, random, sse, chunked, length, noBody) : null;
    if (strike != null && strike.fault == Fault.TRUNCATE_BODY && !chunked && length > 0) {
      // A shorter Content-Length: the client gets a complete-looking but cut body.
      head.set("Content-Length", Long.toString(strike.at));
      schedule.fired(strike.fault, exchange);
      out.write(head.bytes());
      HttpBody.copy(in, out, strike.at, false);
      out.flush();
      throw new ConnectionEnded(); // the rest of the real body is still on the upstream connection
    }
    out.write(head.bytes());
    out.flush();
    if (noBody) return;
    HttpBody body = new HttpBody(in, chunked, closeDelimited ? Long.MAX_VALUE : length);
    relayBody(body, strike, exchange, chunked, out);
    if (chunked) {
      HttpBody.writeEnd(out);
      out.flush();
    }
    if (closeDelimited) throw new ConnectionEnded();
  }

  /**
   * Relays a body's payload, striking with {@code strike} (if any) at its byte or event boundary,
   * or dripping the body's start slowly.
   */
  private void relayBody(
      HttpBody body, @Nullable Strike strike, Exchange exchange, boolean chunked, OutputStream out)
      throws IOException {
    boolean slow = strike != null && strike.fault == Fault.SLOW_DRIP;
    long dripUntil = slow ? strike.at : 0;
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
        if (strike != null
            && strike.fault == Fault.DROP_IN_EVENT
            && here == strike.at
            && last1 == '\n'
            && last2 == '\n') {
          strike.at++; // this byte starts an event: cut one byte into it instead
        }
        if (strike != null
            && !slow
            && strike.fault != Fault.DROP_BETWEEN_EVENTS
            && here == strike.at) {
          HttpBody.write(out, buffer, start, i - start, chunked);
          carryOut(strike, exchange, chunked, out);
        }
        boolean boundary = b == '\n' && (last1 == '\n' || (last1 == '\r' && last2 == '\n'));
        last2 = last1;
        last1 = b;
        if (boundary) {
          boundaries++;
          if (strike != null
              && strike.fault == Fault.DROP_BETWEEN_EVENTS
              && boundaries == strike.at) {
            HttpBody.write(out, buffer, start, i + 1 - start, chunked);
            carryOut(strike, exchange, chunked, out);
          }
        }
      }
      if (slow && position < dripUntil) {
        if (!dripCounted) {
          schedule.fired(Fault.SLOW_DRIP, exchange);
          dripCounted = true;
        }
        int i = start;
        while (i < n) {
          int piece = Math.min(n - i, 1 + random.nextInt(16));
          HttpBody.write(out, buffer, i, piece, chunked);
          out.flush();
          i += piece;
          ConnectionEnded.pause(1 + random.nextInt(4));
        }
      } else {
        HttpBody.write(out, buffer, start, n - start, chunked);
        out.flush();
      }
      position += n;
    }
  }

  /** Carries out a strike that ends the connection: counts it, then ends as its kind says. */
  private void carryOut(Strike strike, Exchange exchange, boolean chunked, OutputStream out)
      throws IOException {
    schedule.fired(strike.fault, exchange);
    out.flush();
    switch (strike.fault) {
      case TRUNCATE_BODY:
        if (chunked) HttpBody.writeEnd(out);
        out.flush();
        // The body looks complete; what is left upstream belongs to no one: end the connection.
        connection.closeBoth(false);
        throw new ConnectionEnded();
      case STALL:
        ConnectionEnded.pause(schedule.stallMillis());
        connection.closeBoth(false);
        throw new ConnectionEnded();
      case RESET:
        connection.closeBoth(true);
        throw new ConnectionEnded();
      default:
        connection.closeBoth(false);
        throw new ConnectionEnded();
    }
  }
}
