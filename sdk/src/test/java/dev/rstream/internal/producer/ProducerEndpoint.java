package dev.rstream.internal.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.durable.IdempotentProducer;
import dev.rstream.durable.ProducerOptions;
import dev.rstream.internal.http.TransportFixture;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * The stream on a {@link TransportFixture}'s server as an {@link IdempotentProducer} writes to it:
 * each request answered by the test's script and recorded, in arrival order, as "epoch/seq:body"
 * (plus " close" for a closing one), for the test to take with {@link #next()}.
 */
final class ProducerEndpoint {
  private final TransportFixture fixture;

  /** Every request the server saw, as "epoch/seq:body" (plus " close" for a closing one). */
  final BlockingQueue<String> seen = new LinkedBlockingQueue<>();

  ProducerEndpoint(TransportFixture fixture) {
    this.fixture = fixture;
  }

  /** Answers every request with {@code responder}, on the server's thread, after recording it. */
  void serve(Function<RecordedRequest, MockResponse> responder) {
    fixture.server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            String closed =
                "true".equals(request.getHeaders().get("Stream-Closed")) ? " close" : "";
            seen.add(
                request.getHeaders().get("Producer-Epoch")
                    + "/"
                    + request.getHeaders().get("Producer-Seq")
                    + ":"
                    + (request.getBody() == null ? "" : request.getBody().utf8())
                    + closed);
            return responder.apply(request);
          }
        });
  }

  /** Answers the first request with {@code first}, and every later one with {@code then}. */
  void serveFirstThen(MockResponse first, Function<RecordedRequest, MockResponse> then) {
    AtomicInteger calls = new AtomicInteger();
    serve(request -> calls.incrementAndGet() == 1 ? first : then.apply(request));
  }

  /** The next request the server saw; fails the test if none comes within 5 seconds. */
  String next() throws InterruptedException {
    String request = seen.poll(5, TimeUnit.SECONDS);
    assertThat(request).as("expected another request").isNotNull();
    return request;
  }

  /** A producer on the fixture's stream. */
  IdempotentProducer producer(ProducerOptions.Builder options) {
    return fixture.stream().producer(options.build());
  }

  /** Options of producer "p" that send a batch as soon as it has a message. */
  static ProducerOptions.Builder eager() {
    return ProducerOptions.builder("p").linger(0, TimeUnit.MILLISECONDS);
  }

  /** Options of producer "p" that hold a batch until it is full or flushed. */
  static ProducerOptions.Builder lingering() {
    return ProducerOptions.builder("p").linger(1, TimeUnit.HOURS);
  }

  /** The server took the batch: its epoch and sequence number echoed. */
  static MockResponse ok(RecordedRequest request) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Stream-Next-Offset", "0_1")
        .addHeader("Producer-Epoch", request.getHeaders().get("Producer-Epoch"))
        .addHeader("Producer-Seq", request.getHeaders().get("Producer-Seq"))
        .build();
  }

  /** A 403: another producer holds {@code currentEpoch}, above the request's. */
  static MockResponse fenced(int currentEpoch) {
    return new MockResponse.Builder()
        .code(403)
        .addHeader("Producer-Epoch", String.valueOf(currentEpoch))
        .build();
  }

  /** A 409: the server expected another sequence number than it received. */
  static MockResponse sequenceGap(int expected, int received) {
    return new MockResponse.Builder()
        .code(409)
        .addHeader("Producer-Expected-Seq", String.valueOf(expected))
        .addHeader("Producer-Received-Seq", String.valueOf(received))
        .build();
  }

  static int epoch(RecordedRequest request) {
    return Integer.parseInt(request.getHeaders().get("Producer-Epoch"));
  }

  static int seq(RecordedRequest request) {
    return Integer.parseInt(request.getHeaders().get("Producer-Seq"));
  }

  /** Waits for {@code latch} on the server's thread; fails the request after 5 seconds. */
  static void await(CountDownLatch latch) {
    try {
      if (!latch.await(5, TimeUnit.SECONDS)) throw new AssertionError("never released");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
