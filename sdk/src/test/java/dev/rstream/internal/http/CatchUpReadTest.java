package dev.rstream.internal.http;

import static dev.rstream.internal.http.TransportFixture.json;
import static dev.rstream.internal.http.TransportFixture.messages;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.RStreamException;
import dev.rstream.StreamClosedException;
import dev.rstream.TransientException;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import io.reactivex.rxjava3.schedulers.TestScheduler;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CatchUpReadTest {
  @RegisterExtension final TransportFixture fixture = new TransportFixture();

  @Test
  void catchUpPagesUntilUpToDateThenCompletes() throws Exception {
    fixture.server.enqueue(json("[1,{\"a\":2}]", "0_2").build());
    fixture.server.enqueue(
        json("[[3]]", "0_3")
            .addHeader("Stream-Up-To-Date", "true")
            .addHeader("ETag", "\"e1\"")
            .build());

    TestSubscriber<ReadBatch<String>> read =
        fixture.stream().read(ReadOptions.from(Offset.START), MessageDecoder.rawJson()).test();

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete().assertValueCount(2);
    List<ReadBatch<String>> batches = read.values();
    assertThat(messages(batches)).containsExactly("1", "{\"a\":2}", "[3]");
    assertThat(batches.get(0).nextOffset()).isEqualTo(Offset.of("0_2"));
    assertThat(batches.get(0).upToDate()).isFalse();
    assertThat(batches.get(1).startOffset()).isEqualTo(Offset.of("0_2"));
    assertThat(batches.get(1).upToDate()).isTrue();
    assertThat(batches.get(1).etag()).isEqualTo("\"e1\"");
    assertThat(fixture.take().getUrl().queryParameter("offset")).isEqualTo("-1");
    assertThat(fixture.take().getUrl().queryParameter("offset")).isEqualTo("0_2");
    fixture.assertNoMoreRequests();
  }

  @Test
  void endOffsetStopsTheReadOnceReached() throws Exception {
    fixture.server.enqueue(json("[1]", "0_1").build());
    fixture.server.enqueue(json("[2]", "0_2").build());
    ReadOptions options =
        ReadOptions.builder().liveMode(LiveMode.LONG_POLL).endOffset(Offset.of("0_2")).build();

    TestSubscriber<ReadBatch<String>> read =
        fixture.stream().read(options, MessageDecoder.rawJson()).test();

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(messages(read.values())).containsExactly("1", "2");
    fixture.take();
    fixture.take();
    fixture.assertNoMoreRequests();
  }

  @Test
  void largeBodyIsDecodedInBoundedBatchesOnlyAsDemanded() throws Exception {
    StringBuilder body = new StringBuilder("[");
    for (int i = 0; i < 10_000; i++)
      body.append(i == 0 ? "" : ",")
          .append("{\"n\":")
          .append(i)
          .append(",\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}");
    body.append(']');
    fixture.server.enqueue(
        json(body.toString(), "0_10000").addHeader("Stream-Up-To-Date", "true").build());
    ReadOptions options = ReadOptions.builder().maxBatchMessages(100).build();

    TestSubscriber<ReadBatch<JsonNode>> read =
        fixture.stream().read(options, MessageDecoder.jsonNode()).test(1);

    read.awaitCount(1);
    // One batch of 100 delivered, the rest of the 700 kB body still unread on the socket.
    assertThat(read.values().get(0).messages()).hasSize(100);
    assertThat(read.values().get(0).partial()).isTrue();
    assertThat(read.values().get(0).nextOffset()).isEqualTo(Offset.START);
    assertThat(fixture.client.connectionPool().idleConnectionCount()).isZero();

    read.requestMore(Long.MAX_VALUE);
    read.awaitDone(5, TimeUnit.SECONDS).assertComplete().assertValueCount(100);
    List<ReadBatch<JsonNode>> batches = read.values();
    assertThat(batches.subList(0, 99)).allMatch(ReadBatch::partial);
    ReadBatch<JsonNode> last = batches.get(99);
    assertThat(last.partial()).isFalse();
    assertThat(last.nextOffset()).isEqualTo(Offset.of("0_10000"));
    assertThat(last.messages().get(99).get("n").asInt()).isEqualTo(9_999);
  }

  @Test
  void cancellingMidBodyReleasesTheConnection() throws Exception {
    StringBuilder body = new StringBuilder("[");
    for (int i = 0; i < 5_000; i++) body.append(i == 0 ? "" : ",").append(i);
    fixture.server.enqueue(json(body.append(']').toString(), "0_1").build());

    TestSubscriber<ReadBatch<String>> read =
        fixture.stream()
            .read(ReadOptions.builder().maxBatchMessages(10).build(), MessageDecoder.rawJson())
            .test(1);
    read.awaitCount(1);
    read.cancel();
    // The fixture fails the test afterwards if the call or its connection leaked.
  }

  @ParameterizedTest
  @CsvSource({
    "404, dev.rstream.StreamNotFoundException",
    "410, dev.rstream.OffsetGoneException",
    "400, dev.rstream.UnexpectedStatusException",
    "409, dev.rstream.ConflictException",
    "413, dev.rstream.UnexpectedStatusException",
  })
  void errorStatusIsTypedWithUrlOffsetAndStatus(int status, String type) throws Exception {
    fixture.server.enqueue(new MockResponse.Builder().code(status).body("nope").build());

    TestSubscriber<ReadBatch<String>> read =
        fixture.stream().read(ReadOptions.from(Offset.of("0_7")), MessageDecoder.rawJson()).test();

    read.awaitDone(5, TimeUnit.SECONDS).assertError(Class.forName(type)::isInstance);
    RStreamException error = (RStreamException) TransportFixture.errorOf(read);
    assertThat(error.getClass().getName()).isEqualTo(type);
    assertThat(error.status()).isEqualTo(status);
    assertThat(error.offset()).isEqualTo(Offset.of("0_7"));
    assertThat(error.url()).isEqualTo(fixture.server.url("/s").toString());
    assertThat(error.getMessage()).contains("/s", "0_7", String.valueOf(status), "nope");
    fixture.take();
    fixture.assertNoMoreRequests(); // never retried
  }

  @Test
  void conflictWithStreamClosedHeaderIsStreamClosed() throws Exception {
    fixture.server.enqueue(TransportFixture.closedConflict("0_9"));

    fixture.stream()
        .appendJson("1")
        .test()
        .awaitDone(5, TimeUnit.SECONDS)
        .assertError(
            e ->
                e instanceof StreamClosedException
                    && Offset.of("0_9").equals(((StreamClosedException) e).offset()));
  }

  @Test
  void retryOn503HonoursRetryAfterThenDeliversOnce() throws Exception {
    TestScheduler scheduler = new TestScheduler();
    fixture.server.enqueue(
        new MockResponse.Builder().code(503).addHeader("Retry-After", "2").build());
    fixture.server.enqueue(json("[1,2]", "0_2").addHeader("Stream-Up-To-Date", "true").build());
    DurableStream stream = fixture.streamBuilder().scheduler(scheduler).build();

    TestSubscriber<ReadBatch<String>> read =
        stream.read(ReadOptions.from(Offset.START), MessageDecoder.rawJson()).test();
    scheduler.triggerActions(); // runs the first request, which gets the 503

    scheduler.advanceTimeBy(1_999, TimeUnit.MILLISECONDS);
    assertThat(fixture.server.getRequestCount()).isEqualTo(1);
    read.assertNoValues().assertNotComplete();

    scheduler.advanceTimeBy(1, TimeUnit.MILLISECONDS);
    read.assertComplete().assertValueCount(1);
    assertThat(read.values().get(0).messages()).containsExactly("1", "2");
    assertThat(fixture.server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void retriesExhaustedSurfaceAsTransientException() throws Exception {
    for (int i = 0; i < 6; i++) {
      fixture.server.enqueue(new MockResponse.Builder().code(500).build());
    }

    TestSubscriber<ReadBatch<String>> read =
        fixture.stream().read(ReadOptions.from(Offset.START), MessageDecoder.rawJson()).test();

    read.awaitDone(5, TimeUnit.SECONDS).assertError(TransientException.class);
    assertThat(((TransientException) TransportFixture.errorOf(read)).status()).isEqualTo(500);
    assertThat(fixture.server.getRequestCount()).isEqualTo(6); // 1 + maxRetries(5)
  }

  @Test
  void connectionDroppedMidBodyResumesWithoutGapOrDuplicate() throws Exception {
    StringBuilder body = new StringBuilder("[");
    for (int i = 0; i < 40; i++) body.append(i == 0 ? "" : ",").append(i);
    String full = body.append(']').toString();
    fixture.server.enqueue(
        json(full, "0_40").onResponseBody(SocketEffect.ShutdownConnection.INSTANCE).build());
    fixture.server.enqueue(json(full, "0_40").addHeader("Stream-Up-To-Date", "true").build());

    TestSubscriber<ReadBatch<String>> read =
        fixture.stream()
            .read(ReadOptions.builder().maxBatchMessages(3).build(), MessageDecoder.rawJson())
            .test();

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 40; i++) expected.add(String.valueOf(i));
    assertThat(messages(read.values())).containsExactlyElementsOf(expected);
    assertThat(fixture.take().getUrl().queryParameter("offset")).isEqualTo("-1");
    assertThat(fixture.take().getUrl().queryParameter("offset")).isEqualTo("-1");
  }

  @Test
  void corruptedJsonBodyIsProtocolError() throws Exception {
    fixture.server.enqueue(json("XY\"valid\": \"json dZta here\"}]", "0_1").build());

    assertProtocolErrorWithoutValues(ReadOptions.from(Offset.START));
  }

  @Test
  void missingNextOffsetIsProtocolError() throws Exception {
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body("[1]")
            .build());

    assertProtocolErrorWithoutValues(ReadOptions.from(Offset.START));
  }

  @Test
  void offsetGoingBackwardsIsProtocolError() throws Exception {
    fixture.server.enqueue(json("[1]", "0_1").build());

    assertProtocolErrorWithoutValues(ReadOptions.from(Offset.of("0_5")));
  }

  @Test
  void catchUpThatMakesNoProgressIsProtocolErrorNotASpin() throws Exception {
    fixture.server.enqueue(json("[]", "0_5").build());

    assertProtocolErrorWithoutValues(ReadOptions.from(Offset.of("0_5")));
    fixture.take();
    fixture.assertNoMoreRequests();
  }

  @Test
  void binaryStreamDeliversRawBytes() throws Exception {
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/octet-stream")
            .addHeader("Stream-Next-Offset", "0_3")
            .addHeader("Stream-Up-To-Date", "true")
            .body(new okio.Buffer().write(new byte[] {0, (byte) 0xff, 7}))
            .build());

    TestSubscriber<ReadBatch<String>> read =
        fixture.stream().read(ReadOptions.from(Offset.START), MessageDecoder.rawJson()).test();

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete().assertValueCount(1);
    assertThat(read.values().get(0).bytes().toByteArray()).containsExactly(0, 0xff, 7);
    assertThat(read.values().get(0).messages()).isEmpty();
  }

  @Test
  void dynamicHeaderAndParamAreComputedForEveryRequest() throws Exception {
    fixture.server.enqueue(new MockResponse.Builder().code(503).build());
    fixture.server.enqueue(json("[1]", "0_1").build());
    fixture.server.enqueue(json("[]", "0_1").addHeader("Stream-Up-To-Date", "true").build());
    java.util.concurrent.atomic.AtomicInteger tokens =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger params =
        new java.util.concurrent.atomic.AtomicInteger();
    DurableStream stream =
        fixture
            .streamBuilder()
            .header("Authorization", () -> "Bearer t" + tokens.incrementAndGet())
            .param("n", () -> String.valueOf(params.incrementAndGet()))
            .build();

    stream
        .read(ReadOptions.from(Offset.START), MessageDecoder.rawJson())
        .test()
        .awaitDone(5, TimeUnit.SECONDS)
        .assertComplete();

    for (int i = 1; i <= 3; i++) {
      RecordedRequest request = fixture.take();
      assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer t" + i);
      assertThat(request.getUrl().queryParameter("n")).isEqualTo(String.valueOf(i));
      // Query parameters go out sorted by name, so identical reads share cache keys.
      assertThat(request.getUrl().encodedQuery()).startsWith("n=");
    }
  }

  /** A read from {@code options} fails with a {@link ProtocolException} and delivers nothing. */
  private void assertProtocolErrorWithoutValues(ReadOptions options) {
    fixture.stream()
        .read(options, MessageDecoder.rawJson())
        .test()
        .awaitDone(5, TimeUnit.SECONDS)
        .assertError(ProtocolException.class)
        .assertNoValues();
  }
}
