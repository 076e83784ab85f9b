package dev.rstream.internal.producer;

import static dev.rstream.internal.producer.ProducerEndpoint.await;
import static dev.rstream.internal.producer.ProducerEndpoint.eager;
import static dev.rstream.internal.producer.ProducerEndpoint.ok;
import static dev.rstream.internal.producer.ProducerEndpoint.seq;
import static dev.rstream.internal.producer.ProducerEndpoint.sequenceGap;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.SequenceConflictException;
import dev.rstream.durable.AppendResult;
import dev.rstream.durable.IdempotentProducer;
import dev.rstream.internal.http.TransportFixture;
import io.reactivex.rxjava3.observers.TestObserver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An {@link IdempotentProducer} sends a batch again under the same sequence number until the server
 * has it: after a failure, a lost answer, or a batch that overtook the one before it; a gap the
 * server reports is a typed error.
 */
class IdempotentProducerRetryTest {
  @RegisterExtension final TransportFixture fixture = new TransportFixture();
  private final ProducerEndpoint server = new ProducerEndpoint(fixture);

  @Test
  void retryAfterServerErrorKeepsTheSequenceNumber() throws Exception {
    server.serveFirstThen(new MockResponse.Builder().code(503).build(), ProducerEndpoint::ok);
    IdempotentProducer producer = server.producer(eager());

    TestObserver<AppendResult> result = producer.appendJson("{\"a\":1}").test();

    result.awaitDone(5, TimeUnit.SECONDS).assertValue(r -> !r.duplicate());
    assertThat(server.next()).isEqualTo("0/0:[{\"a\":1}]");
    assertThat(server.next()).isEqualTo("0/0:[{\"a\":1}]");
  }

  @Test
  void lostAcknowledgementIsRetriedAndReportedAsDuplicate() throws Exception {
    // The server appended, then the connection died before the answer.
    MockResponse cut =
        new MockResponse.Builder()
            .code(200)
            .onResponseStart(SocketEffect.ShutdownConnection.INSTANCE)
            .build();
    MockResponse duplicate =
        new MockResponse.Builder().code(204).addHeader("Producer-Seq", "0").build();
    server.serveFirstThen(cut, request -> duplicate);
    IdempotentProducer producer = server.producer(eager());

    producer
        .appendJson("1")
        .test()
        .awaitDone(5, TimeUnit.SECONDS)
        .assertValue(AppendResult::duplicate);
    assertThat(server.next()).isEqualTo("0/0:[1]");
    assertThat(server.next()).isEqualTo("0/0:[1]");
  }

  @Test
  void batchThatOvertookItsPredecessorIsResentAfterItLands() throws Exception {
    CountDownLatch seq2Refused = new CountDownLatch(1);
    AtomicBoolean seq1Accepted = new AtomicBoolean();
    List<String> accepted = Collections.synchronizedList(new ArrayList<>());
    server.serve(
        request -> {
          int seq = seq(request);
          if (seq == 1) await(seq2Refused);
          if (seq == 2 && !seq1Accepted.get()) {
            seq2Refused.countDown();
            return sequenceGap(1, 2);
          }
          if (seq == 1) seq1Accepted.set(true);
          accepted.add(request.getBody().utf8());
          return ok(request);
        });
    IdempotentProducer producer = server.producer(eager().maxBatchItems(1).maxInFlight(2));

    producer.appendJson("0");
    assertThat(server.next()).isEqualTo("0/0:[0]");
    producer.appendJson("1");
    producer.appendJson("2");
    producer.flush().test().awaitDone(5, TimeUnit.SECONDS).assertComplete();

    assertThat(accepted).containsExactly("[0]", "[1]", "[2]");
    List<String> rest = new ArrayList<>();
    server.seen.drainTo(rest);
    assertThat(rest).containsExactlyInAnyOrder("0/1:[1]", "0/2:[2]", "0/2:[2]");
  }

  @Test
  void sequenceGapIsATypedErrorWithExpectedAndReceived() throws Exception {
    server.serve(request -> sequenceGap(3, 0));
    IdempotentProducer producer = server.producer(eager());

    Throwable error =
        TransportFixture.errorOf(producer.appendJson("1").test().awaitDone(5, TimeUnit.SECONDS));

    assertThat(error).isInstanceOf(SequenceConflictException.class);
    assertThat(((SequenceConflictException) error).expectedSeq()).isEqualTo(3);
    assertThat(((SequenceConflictException) error).receivedSeq()).isZero();
    assertThat(((SequenceConflictException) error).status()).isEqualTo(409);
  }
}
