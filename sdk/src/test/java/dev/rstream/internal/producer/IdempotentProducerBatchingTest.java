package dev.rstream.internal.producer;

import static dev.rstream.internal.producer.ProducerEndpoint.await;
import static dev.rstream.internal.producer.ProducerEndpoint.eager;
import static dev.rstream.internal.producer.ProducerEndpoint.lingering;
import static dev.rstream.internal.producer.ProducerEndpoint.ok;
import static dev.rstream.internal.producer.ProducerEndpoint.seq;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.durable.AppendResult;
import dev.rstream.durable.IdempotentProducer;
import dev.rstream.internal.http.TransportFixture;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.observers.TestObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How an {@link IdempotentProducer} groups messages into numbered batches: cut by count and bytes,
 * at most {@code maxInFlight} in flight, the first batch of an epoch alone, the last one closing.
 */
class IdempotentProducerBatchingTest {
  @RegisterExtension final TransportFixture fixture = new TransportFixture();
  private final ProducerEndpoint server = new ProducerEndpoint(fixture);

  @Test
  void messagesQueuedWhileABatchIsInFlightGoOutAsOneBatch() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    server.serve(
        request -> {
          if (seq(request) == 0) await(release);
          return ok(request);
        });
    IdempotentProducer producer = server.producer(eager().maxInFlight(1));

    List<Single<AppendResult>> results = new ArrayList<>();
    results.add(producer.appendJson("0"));
    assertThat(server.next()).isEqualTo("0/0:[0]");
    for (int i = 1; i <= 9; i++) results.add(producer.appendJson(String.valueOf(i)));
    release.countDown();

    assertThat(server.next()).isEqualTo("0/1:[1,2,3,4,5,6,7,8,9]");
    producer.flush().test().awaitDone(5, TimeUnit.SECONDS).assertComplete();
    for (Single<AppendResult> result : results) {
      result.test().awaitDone(5, TimeUnit.SECONDS).assertValue(r -> r.status() == 200);
    }
    assertThat(producer.nextSeq()).isEqualTo(2);
  }

  @Test
  void batchesAreCutByItemCountAndBytes() throws Exception {
    server.serve(ProducerEndpoint::ok);
    IdempotentProducer producer =
        server.producer(lingering().maxBatchItems(3).maxBatchBytes(1_000));

    for (int i = 0; i < 3; i++) producer.appendJson(String.valueOf(i));
    assertThat(server.next()).isEqualTo("0/0:[0,1,2]");
    String big = "\"" + "x".repeat(1_200) + "\"";
    producer.appendJson(big);
    assertThat(server.next()).isEqualTo("0/1:[" + big + "]");
    producer.flush().test().awaitDone(5, TimeUnit.SECONDS).assertComplete();
  }

  @Test
  void byDefaultOnlyBytesCutABatchSoSmallMessagesShareFewRequests() throws Exception {
    server.serve(ProducerEndpoint::ok);
    IdempotentProducer producer =
        server.producer(lingering().contentType("application/octet-stream").maxBatchBytes(1_500));

    List<Single<AppendResult>> results = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) results.add(producer.append(new byte[] {'x'}));
    producer.flush().test().awaitDone(5, TimeUnit.SECONDS).assertComplete();

    assertThat(server.next()).isEqualTo("0/0:" + "x".repeat(1_500)); // past any count cap of 1000
    assertThat(server.next()).isEqualTo("0/1:" + "x".repeat(500));
    assertThat(server.seen).isEmpty();
    for (Single<AppendResult> result : results) {
      result.test().awaitDone(5, TimeUnit.SECONDS).assertValue(r -> r.status() == 200);
    }
  }

  @Test
  void callerMayReuseItsArrayAsSoonAsAppendReturns() throws Exception {
    server.serve(ProducerEndpoint::ok);
    IdempotentProducer producer = server.producer(lingering().contentType("text/plain"));

    byte[] buffer = {'a', 'b'};
    producer.append(buffer);
    buffer[0] = 'c';
    buffer[1] = 'd';
    producer.append(buffer);
    buffer[0] = 'z';
    producer.flush().test().awaitDone(5, TimeUnit.SECONDS).assertComplete();

    assertThat(server.next()).isEqualTo("0/0:abcd");
  }

  @Test
  void pipeliningNeverExceedsMaxInFlightAndFirstBatchOfEpochGoesAlone() throws Exception {
    AtomicInteger current = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    List<Integer> concurrentAtSeq0 = new ArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    server.serve(
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
    IdempotentProducer producer = server.producer(eager().maxBatchItems(1).maxInFlight(2));

    for (int i = 0; i < 6; i++) producer.appendJson(String.valueOf(i));
    server.next();
    server.next();
    server.next(); // seq 0 answered; seq 1 and 2 now held by the server
    assertThat(server.seen.poll(200, TimeUnit.MILLISECONDS)).as("a third batch in flight").isNull();
    release.countDown();
    producer.flush().test().awaitDone(5, TimeUnit.SECONDS).assertComplete();

    assertThat(concurrentAtSeq0).containsExactly(1);
    assertThat(max.get()).isEqualTo(2);
  }

  @Test
  void closeFlushesThenClosesWithTheNextSequence() throws Exception {
    server.serve(
        request ->
            new MockResponse.Builder()
                .code(200)
                .addHeader("Stream-Next-Offset", "0_9")
                .addHeader(
                    "Stream-Closed",
                    String.valueOf("true".equals(request.getHeaders().get("Stream-Closed"))))
                .build());
    IdempotentProducer producer = server.producer(lingering().contentType("text/plain"));

    producer.append("ab".getBytes(StandardCharsets.UTF_8));
    producer.append("cd".getBytes(StandardCharsets.UTF_8));
    TestObserver<AppendResult> closed = producer.closeStream(null).test();

    closed.awaitDone(5, TimeUnit.SECONDS).assertValue(AppendResult::streamClosed);
    assertThat(server.next()).isEqualTo("0/0:abcd");
    assertThat(server.next()).isEqualTo("0/1: close");
    producer.append(new byte[] {1}).test().assertError(IllegalStateException.class);
  }
}
