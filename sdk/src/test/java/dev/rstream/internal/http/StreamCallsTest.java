package dev.rstream.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.ConflictException;
import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.SequenceRegressionException;
import dev.rstream.StreamClosedException;
import dev.rstream.StreamNotFoundException;
import dev.rstream.TransientException;
import dev.rstream.durable.AppendOptions;
import dev.rstream.durable.AppendResult;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.StreamInfo;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.schedulers.TestScheduler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class StreamCallsTest {
  @RegisterExtension final TransportFixture fixture = new TransportFixture();

  @Test
  void createSendsConfigurationHeadersAndInitialData() throws Exception {
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(201)
            .addHeader("Content-Type", "text/plain")
            .addHeader("Stream-Next-Offset", "0_5")
            .addHeader("Stream-Closed", "true")
            .build());

    StreamInfo info =
        fixture.stream()
            .create(
                CreateOptions.builder()
                    .contentType("text/plain")
                    .ttlSeconds(3600)
                    .closed(true)
                    .initialData("hello".getBytes(StandardCharsets.UTF_8))
                    .header("X-Trace", "t1")
                    .build())
            .blockingGet();

    assertThat(info.status()).isEqualTo(201);
    assertThat(info.closed()).isTrue();
    assertThat(info.nextOffset()).isEqualTo(Offset.of("0_5"));
    RecordedRequest request = fixture.take();
    assertThat(request.getMethod()).isEqualTo("PUT");
    assertThat(request.getHeaders().get("Content-Type")).startsWith("text/plain");
    assertThat(request.getHeaders().get("Stream-TTL")).isEqualTo("3600");
    assertThat(request.getHeaders().get("Stream-Closed")).isEqualTo("true");
    assertThat(request.getHeaders().get("X-Trace")).isEqualTo("t1");
    assertThat(request.getBody().utf8()).isEqualTo("hello");
  }

  @Test
  void headReadsMetadata() throws Exception {
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .addHeader("Stream-Next-Offset", "0_9")
            .addHeader("Stream-TTL", "60")
            .addHeader("ETag", "\"x\"")
            .build());

    StreamInfo info = fixture.stream().head().blockingGet();

    assertThat(info.contentType()).isEqualTo("application/json");
    assertThat(info.nextOffset()).isEqualTo(Offset.of("0_9"));
    assertThat(info.ttlSeconds()).isEqualTo(60);
    assertThat(info.closed()).isFalse();
    assertThat(info.headers().get("ETag")).isEqualTo("\"x\"");
    assertThat(fixture.take().getMethod()).isEqualTo("HEAD");
  }

  @Test
  void appendJsonWrapsOneValueAndSendsStreamSeq() throws Exception {
    fixture.server.enqueue(
        new MockResponse.Builder().code(204).addHeader("Stream-Next-Offset", "0_1").build());

    AppendResult result =
        fixture.stream()
            .appendJson("[1,2]", AppendOptions.builder().seq("0001").build())
            .blockingGet();

    assertThat(result.nextOffset()).isEqualTo(Offset.of("0_1"));
    assertThat(result.duplicate()).isFalse(); // 204 without producer headers is plain success
    RecordedRequest request = fixture.take();
    assertThat(request.getBody().utf8()).isEqualTo("[[1,2]]");
    assertThat(request.getHeaders().get("Stream-Seq")).isEqualTo("0001");
    assertThat(request.getHeaders().get("Content-Type")).startsWith("application/json");
  }

  @Test
  void conflictOnAppendWithStreamSeqIsSequenceRegressionNotRetried() throws Exception {
    fixture.server.enqueue(new MockResponse.Builder().code(409).body("Sequence conflict").build());

    TestObserver<AppendResult> append =
        fixture.stream()
            .append(
                "x".getBytes(StandardCharsets.UTF_8),
                "text/plain",
                AppendOptions.builder().seq("0002").build())
            .test();

    append.awaitDone(5, TimeUnit.SECONDS);
    Throwable error = TransportFixture.errorOf(append);
    assertThat(error).isExactlyInstanceOf(SequenceRegressionException.class);
    SequenceRegressionException regression = (SequenceRegressionException) error;
    assertThat(regression.seq()).isEqualTo("0002");
    assertThat(regression.status()).isEqualTo(409);
    assertThat(regression.url()).isEqualTo(fixture.server.url("/s").toString());
    assertThat(regression.getMessage()).contains("0002", "Sequence conflict");
    assertThat(fixture.take().getHeaders().get("Stream-Seq")).isEqualTo("0002");
    fixture.assertNoMoreRequests();
  }

  @Test
  void conflictOnAppendWithoutStreamSeqStaysAPlainConflict() throws Exception {
    fixture.server.enqueue(new MockResponse.Builder().code(409).body("type mismatch").build());

    TestObserver<AppendResult> append =
        fixture.stream().append("x".getBytes(StandardCharsets.UTF_8), "text/plain").test();

    append.awaitDone(5, TimeUnit.SECONDS);
    assertThat(TransportFixture.errorOf(append)).isExactlyInstanceOf(ConflictException.class);
  }

  @Test
  void closedStreamWinsOverStreamSeqOnConflict() throws Exception {
    fixture.server.enqueue(TransportFixture.closedConflict("0_9"));

    TestObserver<AppendResult> append =
        fixture.stream()
            .append(
                "x".getBytes(StandardCharsets.UTF_8),
                "text/plain",
                AppendOptions.builder().seq("0003").build())
            .test();

    append.awaitDone(5, TimeUnit.SECONDS);
    assertThat(TransportFixture.errorOf(append)).isExactlyInstanceOf(StreamClosedException.class);
  }

  @Test
  void malformedJsonIsRejectedBeforeAnythingIsSent() throws Exception {
    DurableStream stream = fixture.stream();
    for (String bad : new String[] {"{\"a\":", "1 2", "", "[1,]"}) {
      try {
        stream.appendJson(bad);
        throw new AssertionError("accepted " + bad);
      } catch (IllegalArgumentException expected) {
        assertThat(expected).hasMessageContaining("json");
      }
    }
    fixture.assertNoMoreRequests();
  }

  @Test
  void appendIsRetriedAfterServerError() throws Exception {
    fixture.server.enqueue(new MockResponse.Builder().code(500).build());
    fixture.server.enqueue(
        new MockResponse.Builder().code(204).addHeader("Stream-Next-Offset", "0_1").build());

    fixture.stream()
        .append("x".getBytes(StandardCharsets.UTF_8), "text/plain")
        .test()
        .awaitDone(5, TimeUnit.SECONDS)
        .assertComplete();

    assertThat(fixture.server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void droppedConnectionIsRetriedAndExhaustionIsTransient() throws Exception {
    for (int i = 0; i < 6; i++) {
      fixture.server.enqueue(
          new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build());
    }

    Throwable error =
        TransportFixture.errorOf(fixture.stream().head().test().awaitDone(5, TimeUnit.SECONDS));

    assertThat(error).isInstanceOf(TransientException.class);
    assertThat(((TransientException) error).status()).isZero();
    assertThat(error.getCause()).isInstanceOf(java.io.IOException.class);
  }

  @Test
  void closeReturnsTheFinalOffset() throws Exception {
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(204)
            .addHeader("Stream-Next-Offset", "0_42")
            .addHeader("Stream-Closed", "true")
            .build());

    assertThat(fixture.stream().closeStream().blockingGet()).isEqualTo(Offset.of("0_42"));
    RecordedRequest request = fixture.take();
    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getHeaders().get("Stream-Closed")).isEqualTo("true");
    assertThat(request.getBodySize()).isZero();
  }

  @Test
  void closeWithoutNextOffsetIsProtocolError() throws Exception {
    fixture.server.enqueue(new MockResponse.Builder().code(204).build());

    fixture.stream()
        .closeStream()
        .test()
        .awaitDone(5, TimeUnit.SECONDS)
        .assertError(ProtocolException.class);
  }

  @Test
  void deleteOfMissingStreamIsNotFoundNamingTheStream() throws Exception {
    fixture.server.enqueue(new MockResponse.Builder().code(404).build());

    Throwable error =
        TransportFixture.errorOf(fixture.stream().delete().test().awaitDone(5, TimeUnit.SECONDS));

    assertThat(error).isInstanceOf(StreamNotFoundException.class).hasMessageContaining("/s");
  }

  @Test
  void nothingIsSentUntilSubscribed() throws Exception {
    DurableStream stream = fixture.stream();
    stream.head();
    stream.appendJson("1");
    stream.delete();
    fixture.assertNoMoreRequests();
  }

  @Test
  void disposingCancelsTheCallInFlight() throws Exception {
    fixture.server.enqueue(
        new MockResponse.Builder().code(200).onResponseStart(SocketEffect.Stall.INSTANCE).build());

    TestObserver<StreamInfo> head = fixture.stream().head().test();
    fixture.take();
    head.dispose();
    // The fixture fails the test afterwards if the call or its connection is still held.
    head.assertNotComplete().assertNoErrors();
  }

  @Test
  void disposingDuringARetryDelaySendsNothingMore() throws Exception {
    TestScheduler scheduler = new TestScheduler();
    fixture.server.enqueue(
        new MockResponse.Builder().code(503).addHeader("Retry-After", "5").build());
    DurableStream stream = fixture.streamBuilder().scheduler(scheduler).build();

    TestObserver<StreamInfo> head = stream.head().test();
    fixture.take();
    head.dispose();
    scheduler.advanceTimeBy(1, TimeUnit.MINUTES);

    fixture.assertNoMoreRequests();
  }
}
