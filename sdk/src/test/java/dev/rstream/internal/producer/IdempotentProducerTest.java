package dev.rstream.internal.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.ProducerFencedException;
import dev.rstream.SequenceConflictException;
import dev.rstream.durable.AppendResult;
import dev.rstream.durable.IdempotentProducer;
import dev.rstream.durable.ProducerOptions;
import dev.rstream.internal.http.TransportFixture;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.observers.TestObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class IdempotentProducerTest {
  @RegisterExtension final TransportFixture fixture = new TransportFixture();

  /** Every request the server saw, as "epoch/seq:body" (plus " close" for a closing one). */
  private final BlockingQueue<String> seen = new LinkedBlockingQueue<>();

  private void serve(Function<RecordedRequest, MockResponse> responder) {
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

  private static MockResponse ok(RecordedRequest request) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Stream-Next-Offset", "0_1")
        .addHeader("Producer-Epoch", request.getHeaders().get("Producer-Epoch"))
        .addHeader("Producer-Seq", request.getHeaders().get("Producer-Seq"))
        .build();
  }

  private static int seq(RecordedRequest request) {
    return Integer.parseInt(request.getHeaders().get("Producer-Seq"));
  }

  private IdempotentProducer producer(ProducerOptions.Builder options) {
    return fixture.stream().producer(options.build());
  }

  private String next() throws InterruptedException {
    String request = seen.poll(5, TimeUnit.SECONDS);
    assertThat(request).as("expected another request").isNotNull();
    return request;
  }

  @Test
  void messagesQueuedWhileABatchIsInFlightGoOutAsOneBatch() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    serve(
        request -> {
          if (seq(request) == 0) await(release);
          return ok(request);
        });
    IdempotentProducer producer =
        producer(ProducerOptions.builder("p").linger(0, TimeUnit.MILLISECONDS).maxInFlight(1));

    List<Single<AppendResult>> results = new ArrayList<>();
    results.add(producer.appendJson("0"));
    assertThat(next()).isEqualTo("0/0:[0]");
    for (int i = 1; i <= 9; i++) results.add(producer.appendJson(String.valueOf(i)));
    release.countDown();

    assertThat(next()).isEqualTo("0/1:[1,2,3,4,5,6,7,8,9]");
    producer.flush().test().awaitDone(5, TimeUnit.SECONDS).assertComplete();
    for (Single<AppendResult> result : results) {
      result.test().awaitDone(5, TimeUnit.SECONDS).assertValue(r -> r.status() == 200);
    }
    assertThat(producer.nextSeq()).isEqualTo(2);
  }

  @Test
  void batchesAreCutByItemCountAndBytes() throws Exception {
    serve(IdempotentProducerTest::ok);
    IdempotentProducer producer =
        producer(
            ProducerOptions.builder("p")
                .linger(1, TimeUnit.HOURS)
                .maxBatchItems(3)
                .maxBatchBytes(1_000));

    for (int i = 0; i < 3; i++) producer.appendJson(String.valueOf(i));
    assertThat(next()).isEqualTo("0/0:[0,1,2]");
    String big = "\"" + "x".repeat(1_200) + "\"";
    producer.appendJson(big);
    assertThat(next()).isEqualTo("0/1:[" + big + "]");
    producer.flush().test().awaitDone(5, TimeUnit.SECONDS).assertComplete();
  }

  @Test
  void byDefaultOnlyBytesCutABatchSoSmallMessagesShareFewRequests() throws Exception {
    serve(IdempotentProducerTest::ok);
    IdempotentProducer producer =
        producer(
            ProducerOptions.builder("p")
                .contentType("application/octet-stream")
                .linger(1, TimeUnit.HOURS)
                .maxBatchBytes(1_500));

    List<Single<AppendResult>> results = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) results.add(producer.append(new byte[] {'x'}));
    producer.flush().test().awaitDone(5, TimeUnit.SECONDS).assertComplete();

    assertThat(next()).isEqualTo("0/0:" + "x".repeat(1_500)); // past any count cap of 1000
    assertThat(next()).isEqualTo("0/1:" + "x".repeat(500));
    assertThat(seen).isEmpty();
    for (Single<AppendResult> result : results) {
      result.test().awaitDone(5, TimeUnit.SECONDS).assertValue(r -> r.status() == 200);
    }
  }

  @Test
  void callerMayReuseItsArrayAsSoonAsAppendReturns() throws Exception {
    serve(IdempotentProducerTest::ok);
    IdempotentProducer producer =
        producer(ProducerOptions.builder("p").contentType("text/plain").linger(1, TimeUnit.HOURS));

    byte[] buffer = {'a', 'b'};
    producer.append(buffer);
    buffer[0] = 'c';
    buffer[1] = 'd';
    producer.append(buffer);
    buffer[0] = 'z';
    producer.flush().test().awaitDone(5, TimeUnit.SECONDS).assertComplete();

    assertThat(next()).isEqualTo("0/0:abcd");
  }

  @Test
  void pipeliningNeverExceedsMaxInFlightAndFirstBatchOfEpochGoesAlone() throws Exception {
    AtomicInteger current = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    List<Integer> concurrentAtSeq0 = new ArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    serve(
        request -> {
          int now = current.incrementAndGet();
          max.accumulateAndGet(now, Math::max);
          if (seq(request) == 0) {
            concurrentAtSeq0.add(now);
          } else {
            await(release);
          }
          current.decrementAndGet();
          return ok(request);
        });
    IdempotentProducer producer =
        producer(
            ProducerOptions.builder("p")
                .linger(0, TimeUnit.MILLISECONDS)
                .maxBatchItems(1)
                .maxInFlight(2));

    for (int i = 0; i < 6; i++) producer.appendJson(String.valueOf(i));
    next();
    next();
    next(); // seq 0 answered; seq 1 and 2 now held by the server
    assertThat(seen.poll(200, TimeUnit.MILLISECONDS)).as("a third batch in flight").isNull();
    release.countDown();
    producer.flush().test().awaitDone(5, TimeUnit.SECONDS).assertComplete();

    assertThat(concurrentAtSeq0).containsExactly(1);
    assertThat(max.get()).isEqualTo(2);
  }

  @Test
  void retryAfterServerErrorKeepsTheSequenceNumber() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    serve(
        request ->
            calls.incrementAndGet() == 1
                ? new MockResponse.Builder().code(503).build()
                : ok(request));
    IdempotentProducer producer =
        producer(ProducerOptions.builder("p").linger(0, TimeUnit.MILLISECONDS));

    TestObserver<AppendResult> result = producer.appendJson("{\"a\":1}").test();

    result.awaitDone(5, TimeUnit.SECONDS).assertValue(r -> !r.duplicate());
    assertThat(next()).isEqualTo("0/0:[{\"a\":1}]");
    assertThat(next()).isEqualTo("0/0:[{\"a\":1}]");
  }

  @Test
  void lostAcknowledgementIsRetriedAndReportedAsDuplicate() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    serve(
        request ->
            calls.incrementAndGet() == 1
                // The server appended, then the connection died before the answer.
                ? new MockResponse.Builder()
                    .code(200)
                    .onResponseStart(mockwebserver3.SocketEffect.ShutdownConnection.INSTANCE)
                    .build()
                : new MockResponse.Builder().code(204).addHeader("Producer-Seq", "0").build());
    IdempotentProducer producer =
        producer(ProducerOptions.builder("p").linger(0, TimeUnit.MILLISECONDS));

    producer
        .appendJson("1")
        .test()
        .awaitDone(5, TimeUnit.SECONDS)
        .assertValue(AppendResult::duplicate);
    assertThat(next()).isEqualTo("0/0:[1]");
    assertThat(next()).isEqualTo("0/0:[1]");
  }

  @Test
  void staleEpochFailsTheProducerWithoutAutoClaim() throws Exception {
    serve(request -> new MockResponse.Builder().code(403).addHeader("Producer-Epoch", "5").build());
    IdempotentProducer producer =
        producer(ProducerOptions.builder("p").linger(0, TimeUnit.MILLISECONDS));

    Throwable error =
        TransportFixture.errorOf(producer.appendJson("1").test().awaitDone(5, TimeUnit.SECONDS));

    assertThat(error).isInstanceOf(ProducerFencedException.class);
    assertThat(((ProducerFencedException) error).epoch()).isZero();
    assertThat(((ProducerFencedException) error).currentEpoch()).isEqualTo(5);
    producer
        .appendJson("2")
        .test()
        .awaitDone(5, TimeUnit.SECONDS)
        .assertError(ProducerFencedException.class);
    next();
    assertThat(seen.poll(100, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void autoClaimBumpsPastTheServerEpochAndRestartsAtSequenceZero() throws Exception {
    serve(
        request ->
            Integer.parseInt(request.getHeaders().get("Producer-Epoch")) < 6
                ? new MockResponse.Builder().code(403).addHeader("Producer-Epoch", "5").build()
                : ok(request));
    IdempotentProducer producer =
        producer(
            ProducerOptions.builder("p")
                .linger(0, TimeUnit.MILLISECONDS)
                .autoClaim(true)
                .maxBatchItems(1));

    TestObserver<AppendResult> first = producer.appendJson("1").test();
    first.awaitDone(5, TimeUnit.SECONDS).assertValue(r -> r.status() == 200);
    TestObserver<AppendResult> second = producer.appendJson("2").test();
    second.awaitDone(5, TimeUnit.SECONDS).assertComplete();

    assertThat(next()).isEqualTo("0/0:[1]");
    assertThat(next()).isEqualTo("6/0:[1]");
    assertThat(next()).isEqualTo("6/1:[2]");
    assertThat(producer.epoch()).isEqualTo(6);
  }

  @Test
  void autoClaimRenumbersEveryFencedPipelinedBatchInOrder() throws Exception {
    List<String> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
    serve(
        request -> {
          int epoch = Integer.parseInt(request.getHeaders().get("Producer-Epoch"));
          if (epoch == 0 && seq(request) > 0) {
            // Another instance claimed epoch 1 after our first batch landed.
            return new MockResponse.Builder().code(403).addHeader("Producer-Epoch", "1").build();
          }
          accepted.add(epoch + "/" + seq(request) + ":" + request.getBody().utf8());
          return ok(request);
        });
    IdempotentProducer producer =
        producer(
            ProducerOptions.builder("p")
                .linger(0, TimeUnit.MILLISECONDS)
                .autoClaim(true)
                .maxBatchItems(1)
                .maxInFlight(3));

    List<Single<AppendResult>> results = new ArrayList<>();
    for (int i = 0; i < 6; i++) results.add(producer.appendJson(String.valueOf(i)));
    producer.flush().test().awaitDone(5, TimeUnit.SECONDS).assertComplete();

    for (Single<AppendResult> result : results) {
      result.test().awaitDone(5, TimeUnit.SECONDS).assertComplete();
    }
    // Numbers follow the original order; arrival order is the (unserialized) mock server's.
    assertThat(accepted)
        .containsExactlyInAnyOrder(
            "0/0:[0]", "2/0:[1]", "2/1:[2]", "2/2:[3]", "2/3:[4]", "2/4:[5]");
    assertThat(accepted.get(1)).isEqualTo("2/0:[1]"); // a new epoch starts alone at seq 0
    assertThat(producer.epoch()).isEqualTo(2);
  }

  @Test
  void batchThatOvertookItsPredecessorIsResentAfterItLands() throws Exception {
    CountDownLatch seq2Refused = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean seq1Accepted =
        new java.util.concurrent.atomic.AtomicBoolean();
    List<String> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
    serve(
        request -> {
          int seq = seq(request);
          if (seq == 1) await(seq2Refused);
          if (seq == 2 && !seq1Accepted.get()) {
            seq2Refused.countDown();
            return new MockResponse.Builder()
                .code(409)
                .addHeader("Producer-Expected-Seq", "1")
                .addHeader("Producer-Received-Seq", "2")
                .build();
          }
          if (seq == 1) seq1Accepted.set(true);
          accepted.add(request.getBody().utf8());
          return ok(request);
        });
    IdempotentProducer producer =
        producer(
            ProducerOptions.builder("p")
                .linger(0, TimeUnit.MILLISECONDS)
                .maxBatchItems(1)
                .maxInFlight(2));

    producer.appendJson("0");
    assertThat(next()).isEqualTo("0/0:[0]");
    producer.appendJson("1");
    producer.appendJson("2");
    producer.flush().test().awaitDone(5, TimeUnit.SECONDS).assertComplete();

    assertThat(accepted).containsExactly("[0]", "[1]", "[2]");
    List<String> rest = new ArrayList<>();
    seen.drainTo(rest);
    assertThat(rest).containsExactlyInAnyOrder("0/1:[1]", "0/2:[2]", "0/2:[2]");
  }

  @Test
  void sequenceGapIsATypedErrorWithExpectedAndReceived() throws Exception {
    serve(
        request ->
            new MockResponse.Builder()
                .code(409)
                .addHeader("Producer-Expected-Seq", "3")
                .addHeader("Producer-Received-Seq", "0")
                .build());
    IdempotentProducer producer =
        producer(ProducerOptions.builder("p").linger(0, TimeUnit.MILLISECONDS));

    Throwable error =
        TransportFixture.errorOf(producer.appendJson("1").test().awaitDone(5, TimeUnit.SECONDS));

    assertThat(error).isInstanceOf(SequenceConflictException.class);
    assertThat(((SequenceConflictException) error).expectedSeq()).isEqualTo(3);
    assertThat(((SequenceConflictException) error).receivedSeq()).isZero();
    assertThat(((SequenceConflictException) error).status()).isEqualTo(409);
  }

  @Test
  void closeFlushesThenClosesWithTheNextSequence() throws Exception {
    serve(
        request ->
            new MockResponse.Builder()
                .code(200)
                .addHeader("Stream-Next-Offset", "0_9")
                .addHeader(
                    "Stream-Closed",
                    String.valueOf("true".equals(request.getHeaders().get("Stream-Closed"))))
                .build());
    IdempotentProducer producer =
        producer(ProducerOptions.builder("p").linger(1, TimeUnit.HOURS).contentType("text/plain"));

    producer.append("ab".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    producer.append("cd".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    TestObserver<AppendResult> closed = producer.closeStream(null).test();

    closed.awaitDone(5, TimeUnit.SECONDS).assertValue(AppendResult::streamClosed);
    assertThat(next()).isEqualTo("0/0:abcd");
    assertThat(next()).isEqualTo("0/1: close");
    producer.append(new byte[] {1}).test().assertError(IllegalStateException.class);
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(5, TimeUnit.SECONDS)) throw new AssertionError("never released");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
