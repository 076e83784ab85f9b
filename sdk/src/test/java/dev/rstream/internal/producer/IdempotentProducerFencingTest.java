package dev.rstream.internal.producer;

import static dev.rstream.internal.producer.ProducerEndpoint.eager;
import static dev.rstream.internal.producer.ProducerEndpoint.epoch;
import static dev.rstream.internal.producer.ProducerEndpoint.fenced;
import static dev.rstream.internal.producer.ProducerEndpoint.ok;
import static dev.rstream.internal.producer.ProducerEndpoint.seq;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.ProducerFencedException;
import dev.rstream.RejectedWriteException;
import dev.rstream.durable.AppendResult;
import dev.rstream.durable.IdempotentProducer;
import dev.rstream.internal.http.TransportFixture;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.observers.TestObserver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An {@link IdempotentProducer} fenced by a newer epoch on the server: it fails for good, or with
 * auto-claim takes an epoch past the server's and numbers its batches again from zero; a batch the
 * server may already hold at the fenced epoch is not sent again under the new one.
 */
class IdempotentProducerFencingTest {
  @RegisterExtension final TransportFixture fixture = new TransportFixture();
  private final ProducerEndpoint server = new ProducerEndpoint(fixture);

  @Test
  void staleEpochFailsTheProducerWithoutAutoClaim() throws Exception {
    server.serve(request -> fenced(5));
    IdempotentProducer producer = server.producer(eager());

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
    server.next();
    assertThat(server.seen.poll(100, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void autoClaimBumpsPastTheServerEpochAndRestartsAtSequenceZero() throws Exception {
    server.serve(request -> epoch(request) < 6 ? fenced(5) : ok(request));
    IdempotentProducer producer = server.producer(eager().autoClaim(true).maxBatchItems(1));

    TestObserver<AppendResult> first = producer.appendJson("1").test();
    first.awaitDone(5, TimeUnit.SECONDS).assertValue(r -> r.status() == 200);
    TestObserver<AppendResult> second = producer.appendJson("2").test();
    second.awaitDone(5, TimeUnit.SECONDS).assertComplete();

    assertThat(server.next()).isEqualTo("0/0:[1]");
    assertThat(server.next()).isEqualTo("6/0:[1]");
    assertThat(server.next()).isEqualTo("6/1:[2]");
    assertThat(producer.epoch()).isEqualTo(6);
  }

  @Test
  void autoClaimRenumbersEveryFencedPipelinedBatchInOrder() throws Exception {
    List<String> accepted = Collections.synchronizedList(new ArrayList<>());
    server.serve(
        request -> {
          int epoch = epoch(request);
          if (epoch == 0 && seq(request) > 0) {
            // Another instance claimed epoch 1 after our first batch landed.
            return fenced(1);
          }
          accepted.add(epoch + "/" + seq(request) + ":" + request.getBody().utf8());
          return ok(request);
        });
    IdempotentProducer producer =
        server.producer(eager().autoClaim(true).maxBatchItems(1).maxInFlight(3));

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
  void autoClaimDoesNotResendABatchWhoseLostAnswerMayHaveApplied() throws Exception {
    List<String> applied = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean answerLost = new AtomicBoolean();
    server.serve(
        request -> {
          if (epoch(request) < 6 && answerLost.getAndSet(true)) {
            return fenced(5); // another writer took epoch 5 after our batch landed
          }
          applied.add(request.getBody().utf8());
          if (epoch(request) < 6) {
            // Applied, then the connection died before the answer.
            return new MockResponse.Builder()
                .code(200)
                .onResponseStart(SocketEffect.ShutdownConnection.INSTANCE)
                .build();
          }
          return ok(request);
        });
    IdempotentProducer producer = server.producer(eager().autoClaim(true).maxBatchItems(1));

    TestObserver<AppendResult> first = producer.appendJson("1").test();
    TestObserver<AppendResult> second = producer.appendJson("2").test();

    Throwable error = TransportFixture.errorOf(first.awaitDone(5, TimeUnit.SECONDS));
    assertThat(error).isInstanceOf(RejectedWriteException.class);
    assertThat(((RejectedWriteException) error).mayHaveBeenApplied()).isTrue();
    assertThat(((RejectedWriteException) error).status()).isEqualTo(403);
    assertThat(error).hasCauseInstanceOf(ProducerFencedException.class);
    assertThat(error).hasMessageContaining("may have applied");
    second.awaitDone(5, TimeUnit.SECONDS).assertValue(r -> r.status() == 200);
    producer.flush().test().awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(server.next()).isEqualTo("0/0:[1]");
    assertThat(server.next()).isEqualTo("0/0:[1]");
    assertThat(server.next()).isEqualTo("6/0:[2]");
    assertThat(applied).containsExactly("[1]", "[2]");
    assertThat(producer.epoch()).isEqualTo(6);
  }
}
