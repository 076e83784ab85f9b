package dev.rstream.internal.http;

import static dev.rstream.internal.http.TransportFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.MessageDecoder;
import dev.rstream.Offset;
import dev.rstream.ReadOptions;
import dev.rstream.internal.retry.RetryableFailure;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The read loop tells an attached {@link RetryListener} when it retries and when the server answers again. */
class RetryListenerTest {
  @RegisterExtension final TransportFixture fixture = new TransportFixture();
  private final List<String> events = new CopyOnWriteArrayList<>();

  private ReadOptions listened(ReadOptions options) {
    return RetryListener.attach(options, new RetryListener() {
      @Override
      public void retrying(Throwable cause, long delayMillis) {
        int status = cause instanceof RetryableFailure ? ((RetryableFailure) cause).status() : -1;
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

    ReadOptions options = listened(ReadOptions.from(Offset.START));
    assertThat(RetryListener.of(options)).isNotNull();
    assertThat(RetryListener.of(options.newBuilder().build())).as("kept by newBuilder").isNotNull();
    TestSubscriber<Object> read = fixture.stream().read(options, MessageDecoder.rawJson())
        .doOnNext(batch -> events.add("batch"))
        .cast(Object.class)
        .test();

    read.awaitDone(5, TimeUnit.SECONDS).assertNoErrors().assertComplete();
    assertThat(events).containsExactly("retrying 500", "retrying 503", "recovered", "batch");
  }

  @Test
  void healthyReadAndUnlistenedOptionsHearNothing() throws Exception {
    fixture.server.enqueue(json("[1]", "0_1").addHeader("Stream-Up-To-Date", "true").build());
    assertThat(RetryListener.of(ReadOptions.from(Offset.START))).isNull();

    fixture.stream().read(listened(ReadOptions.from(Offset.START)), MessageDecoder.rawJson()).test()
        .awaitDone(5, TimeUnit.SECONDS).assertNoErrors().assertComplete();
    assertThat(events).isEmpty();
  }
}
