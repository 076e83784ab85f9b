package dev.rstream.internal.http;

import static dev.rstream.internal.http.TransportFixture.controlEvent;
import static dev.rstream.internal.http.TransportFixture.dataEvent;
import static dev.rstream.internal.http.TransportFixture.errorOf;
import static dev.rstream.internal.http.TransportFixture.json;
import static dev.rstream.internal.http.TransportFixture.sse;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.RetryPolicy;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.retry.Recovery;
import dev.rstream.internal.state.StateMessageDecoder;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One bad server must not hang or kill the client: endless lines, events, messages and bodies fail
 * the read with a {@link ProtocolException} delivered to the subscriber (not an OutOfMemoryError on
 * an I/O thread); a server whose offset never advances is backed off and then refused; SSE refuses
 * malformed UTF-8 as a catch-up body does.
 */
class HostileServerTest {
  private static final String SSE_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream";
  private static final String JSON_HEAD =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json" + "\r\nStream-Next-Offset: 0_9";

  @RegisterExtension final TransportFixture fixture = new TransportFixture();

  private <T> Throwable failureOf(
      EndlessHttpServer server, ReadOptions options, MessageDecoder<T> decoder) {
    DurableStream stream = fixture.streamBuilder().url(server.url("/s")).build();
    TestSubscriber<ReadBatch<T>> read = stream.read(options, decoder).test();
    read.awaitDone(60, TimeUnit.SECONDS);
    return errorOf(read);
  }

  private static ReadOptions sseFromNow() {
    return ReadOptions.builder().offset(Offset.NOW).liveMode(LiveMode.SSE).build();
  }

  private static ReadOptions catchUpOnly() {
    return fromStart(LiveMode.OFF);
  }

  @Test
  void sseLineThatNeverEndsIsAProtocolError() throws Exception {
    try (EndlessHttpServer server = new EndlessHttpServer(SSE_HEAD, "data: ", "x")) {
      Throwable error = failureOf(server, sseFromNow(), MessageDecoder.rawJson());

      assertProtocolError(error, "SSE line longer than");
      assertThat(server.requests.get()).isEqualTo(1); // not retried
    }
  }

  @Test
  void sseDataLinesThatNeverEndTheirEventAreAProtocolError() throws Exception {
    try (EndlessHttpServer server =
        new EndlessHttpServer(
            SSE_HEAD, "event: data\n", "data: 0123456789abcdef0123456789abcdef\n")) {
      Throwable error = failureOf(server, sseFromNow(), MessageDecoder.rawJson());

      assertProtocolError(error, "SSE event data longer than");
    }
  }

  @Test
  void sseDataEventsThatNeverGetTheirControlEventAreAProtocolError() throws Exception {
    try (EndlessHttpServer server =
        new EndlessHttpServer(SSE_HEAD, "", "event: data\ndata: [1,2,3]\n\n")) {
      Throwable error = failureOf(server, sseFromNow(), MessageDecoder.rawJson());

      assertProtocolError(error, "without a control event");
    }
  }

  @Test
  void catchUpMessageThatNeverEndsIsAProtocolError() throws Exception {
    try (EndlessHttpServer server =
        new EndlessHttpServer(JSON_HEAD, "[{\"k\":[", "\"" + "x".repeat(1000) + "\",")) {
      Throwable error = failureOf(server, catchUpOnly(), MessageDecoder.jsonNode());

      assertProtocolError(error, "message of the body is larger than");
      assertThat(server.requests.get()).isEqualTo(1);
    }
  }

  @Test
  void stateMessageThatNeverEndsIsAProtocolError() throws Exception {
    try (EndlessHttpServer server =
        new EndlessHttpServer(
            JSON_HEAD, "[{\"type\":\"t\",\"key\":\"k\",\"value\":{\"a\":[", "{\"b\":1},")) {
      Throwable error = failureOf(server, catchUpOnly(), new StateMessageDecoder());

      assertProtocolError(error, "message of the body is larger than");
    }
  }

  @Test
  void textBodyThatNeverEndsIsAProtocolError() throws Exception {
    try (EndlessHttpServer server =
        new EndlessHttpServer(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nStream-Next-Offset: 0_9",
            "",
            "text ")) {
      Throwable error = failureOf(server, catchUpOnly(), MessageDecoder.rawJson());

      assertProtocolError(error, "body larger than");
    }
  }

  @Test
  void textBodyDeclaredHugeIsRefusedBeforeItIsRead() throws Exception {
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "text/plain")
            .addHeader("Stream-Next-Offset", "0_1")
            .body("short")
            .removeHeader("Content-Length")
            .addHeader("Content-Length", String.valueOf(ReadLoop.MAX_BYTES_BODY + 1))
            .build());

    TestSubscriber<ReadBatch<String>> read =
        fixture.stream().read(catchUpOnly(), MessageDecoder.rawJson()).test();

    read.awaitDone(5, TimeUnit.SECONDS);
    assertProtocolError(errorOf(read), "body larger than");
  }

  /** Backoff with no jitter: 10, 20, 40, 40, ... ms, so the waits can be measured. */
  private static RetryPolicy measurableBackoff() {
    return RetryPolicy.builder()
        .initialDelay(10, TimeUnit.MILLISECONDS)
        .maxDelay(40, TimeUnit.MILLISECONDS)
        .maxRetries(3)
        .random(
            new Random() {
              private static final long serialVersionUID = 1L;

              @Override
              public double nextDouble() {
                return Math.nextDown(1.0);
              }
            })
        .build();
  }

  /**
   * Waits at least this long over {@link Recovery#MAX_STALLS} stalls with {@link
   * #measurableBackoff}.
   */
  private static final long MIN_BACKOFF_MILLIS = 10 + 20 + 40L * (Recovery.MAX_STALLS - 2);

  /**
   * Reads from the start with {@link #measurableBackoff} against live answers that never make
   * progress: the read is backed off between the stalls and then fails, after one live request per
   * stall allowed and one more.
   */
  private void assertStallsBackedOffThenRefused(LiveMode mode, AtomicInteger liveRequests) {
    long start = System.nanoTime();
    TestSubscriber<ReadBatch<String>> read =
        fixture
            .streamBuilder()
            .retryPolicy(measurableBackoff())
            .build()
            .read(fromStart(mode), MessageDecoder.rawJson())
            .test();

    read.awaitDone(10, TimeUnit.SECONDS);
    long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertProtocolError(errorOf(read), "no progress");
    assertThat(liveRequests.get()).isEqualTo(Recovery.MAX_STALLS + 1);
    assertThat(elapsed).isGreaterThanOrEqualTo(MIN_BACKOFF_MILLIS);
  }

  /** Answers the catch-up read as caught up at 0_0 and every live request with {@code live}. */
  private void dispatchLive(Function<RecordedRequest, MockResponse> live) {
    fixture.server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (request.getUrl().queryParameter("live") == null) return caughtUp();
            return live.apply(request);
          }
        });
  }

  private TestSubscriber<ReadBatch<String>> readFromStart(LiveMode mode) {
    return fixture.stream().read(fromStart(mode), MessageDecoder.rawJson()).test();
  }

  private static ReadOptions fromStart(LiveMode mode) {
    return ReadOptions.builder().offset(Offset.START).liveMode(mode).build();
  }

  /** A live answer that is up to date at {@code offset}, without data. */
  private static MockResponse.Builder noProgress(String offset) {
    return new MockResponse.Builder()
        .code(204)
        .addHeader("Stream-Next-Offset", offset)
        .addHeader("Stream-Up-To-Date", "true");
  }

  private static void assertProtocolError(Throwable error, String messagePart) {
    assertThat(error).isInstanceOf(ProtocolException.class).hasMessageContaining(messagePart);
  }

  private static MockResponse caughtUp() {
    return json("[]", "0_0").addHeader("Stream-Up-To-Date", "true").build();
  }

  @Test
  void longPollAnsweringAtOnceWithoutProgressIsBackedOffThenAProtocolError() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    dispatchLive(
        request -> {
          polls.incrementAndGet();
          return noProgress("0_0").addHeader("Stream-Cursor", "c").build();
        });

    // The retry policy allows 3 retries; stalls are not failures, and are bounded on their own.
    assertStallsBackedOffThenRefused(LiveMode.LONG_POLL, polls);
  }

  @Test
  void sseConnectionsThatSendAControlEventAndCloseAreBackedOffThenAProtocolError()
      throws Exception {
    AtomicInteger connections = new AtomicInteger();
    dispatchLive(
        request -> {
          connections.incrementAndGet();
          return sse(controlEvent("{\"streamNextOffset\":\"0_0\",\"upToDate\":true}")).build();
        });

    assertStallsBackedOffThenRefused(LiveMode.SSE, connections);
  }

  @Test
  void stallsSeparatedByProgressDoNotAddUp() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    dispatchLive(
        request -> {
          int n = polls.incrementAndGet();
          String at = request.getUrl().queryParameter("offset");
          if (n == 3 * Recovery.MAX_STALLS) {
            return new MockResponse.Builder()
                .code(204)
                .addHeader("Stream-Next-Offset", at)
                .addHeader("Stream-Closed", "true")
                .build();
          }
          if (n % (Recovery.MAX_STALLS - 1) == 0) {
            // Progress, just before the stalls would run out.
            String next = "0_" + (Integer.parseInt(at.substring(2)) + 1);
            return json("[" + n + "]", next).build();
          }
          return noProgress(at).build();
        });

    TestSubscriber<ReadBatch<String>> read = readFromStart(LiveMode.LONG_POLL);

    read.awaitDone(10, TimeUnit.SECONDS).assertComplete();
    assertThat(polls.get()).isEqualTo(3 * Recovery.MAX_STALLS);
  }

  @Test
  void longPollDataThatLeavesTheOffsetUnchangedIsAProtocolError() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    dispatchLive(
        request -> {
          polls.incrementAndGet();
          return json("[1]", "0_0").build();
        });

    TestSubscriber<ReadBatch<String>> read = readFromStart(LiveMode.LONG_POLL);

    read.awaitDone(5, TimeUnit.SECONDS);
    assertProtocolError(errorOf(read), "data followed by the same offset");
    assertThat(polls.get()).isEqualTo(1);
    assertThat(read.values()).hasSize(1); // the catch-up only: the data never went downstream
    assertThat(read.values().get(0).messages()).isEmpty();
  }

  @Test
  void sseDataThatIsNotUtf8IsAProtocolErrorLikeInACatchUpBody() throws Exception {
    fixture.server.enqueue(caughtUp());
    Buffer body =
        new Buffer()
            .writeUtf8("event: data\ndata: [{\"key\":\"a")
            .writeByte(0xc3)
            .writeByte(0x28)
            .writeUtf8("\"}]\n\n")
            .writeUtf8(controlEvent("{\"streamNextOffset\":\"0_1\"}"));
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "text/event-stream")
            .body(body)
            .build());
    // The same bytes in a catch-up body.
    Buffer catchUp =
        new Buffer().writeUtf8("[{\"key\":\"a").writeByte(0xc3).writeByte(0x28).writeUtf8("\"}]");
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .addHeader("Stream-Next-Offset", "0_1")
            .body(catchUp)
            .build());

    TestSubscriber<ReadBatch<String>> live = readFromStart(LiveMode.SSE);
    live.awaitDone(5, TimeUnit.SECONDS);
    TestSubscriber<ReadBatch<String>> catchUpRead =
        fixture.stream().read(catchUpOnly(), MessageDecoder.rawJson()).test();
    catchUpRead.awaitDone(5, TimeUnit.SECONDS);

    assertProtocolError(errorOf(live), "not valid UTF-8");
    assertThat(errorOf(catchUpRead)).isInstanceOf(ProtocolException.class);
    assertThat(live.values()).hasSize(1); // the empty catch-up, nothing of the bad event
  }

  @Test
  void validDataEventsStillPassTheBounds() throws Exception {
    fixture.server.enqueue(caughtUp());
    fixture.server.enqueue(
        sse(dataEvent("[\"caf\u00e9 \uFFFD\"]")
                + controlEvent("{\"streamNextOffset\":\"0_1\",\"streamClosed\":true}"))
            .build());

    TestSubscriber<ReadBatch<String>> read = readFromStart(LiveMode.SSE);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(read.values().get(1).messages()).containsExactly("\"caf\u00e9 \uFFFD\"");
  }
}
