package dev.rstream.internal.http;

import static dev.rstream.internal.http.TransportFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Offset;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.retry.RetryableFailure;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.schedulers.Schedulers;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The read loop tells its {@link RetryListener} when it retries and when the server answers again.
 */
class RetryListenerTest {
  @RegisterExtension final TransportFixture fixture = new TransportFixture();
  private final List<String> events = new CopyOnWriteArrayList<>();

  /** A read of the fixture's stream that tells the listener of its retries. */
  private Flowable<ReadBatch<String>> listenedRead(ReadOptions options) {
    StreamEndpoint endpoint =
        new StreamEndpoint(
            fixture.server.url("/s"),
            fixture.client,
            TransportFixture.fastRetries(),
            Schedulers.io(),
            Collections.emptyMap(),
            Collections.emptyMap());
    return new ReadFlowable<>(
        endpoint,
        options,
        MessageDecoder.rawJson(),
        new RetryListener() {
          @Override
          public void retrying(Throwable cause, long delayMillis) {
            int status =
                cause instanceof RetryableFailure ? ((RetryableFailure) cause).status() : -1;
            events.add("retrying " + status);
          }

          @Override
          public void recovered() {
            events.add("recovered");
          }
        });
  }

  @Test
  void listenerHearsEachRetryThenOneRecoveryBeforeTheBatch() throws Exception {
    fixture.server.enqueue(new MockResponse.Builder().code(500).build());
    fixture.server.enqueue(new MockResponse.Builder().code(503).build());
    fixture.server.enqueue(json("[1,2]", "0_2").addHeader("Stream-Up-To-Date", "true").build());

    TestSubscriber<Object> read =
        listenedRead(ReadOptions.from(Offset.START))
            .doOnNext(batch -> events.add("batch"))
            .cast(Object.class)
            .test();

    read.awaitDone(5, TimeUnit.SECONDS).assertNoErrors().assertComplete();
    assertThat(events).containsExactly("retrying 500", "retrying 503", "recovered", "batch");
  }

  @Test
  void healthyReadHearsNothing() throws Exception {
    fixture.server.enqueue(json("[1]", "0_1").addHeader("Stream-Up-To-Date", "true").build());

    listenedRead(ReadOptions.from(Offset.START))
        .test()
        .awaitDone(5, TimeUnit.SECONDS)
        .assertNoErrors()
        .assertComplete();
    assertThat(events).isEmpty();
  }
}
