package dev.rstream.internal.http;

import static dev.rstream.internal.http.TransportFixture.controlEvent;
import static dev.rstream.internal.http.TransportFixture.dataEvent;
import static dev.rstream.internal.http.TransportFixture.json;
import static dev.rstream.internal.http.TransportFixture.sse;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LiveReadTest {
  @RegisterExtension final TransportFixture fixture = new TransportFixture();

  private void enqueueCaughtUp(String offset) {
    fixture.server.enqueue(json("[]", offset).addHeader("Stream-Up-To-Date", "true").build());
  }

  private TestSubscriber<ReadBatch<String>> read(LiveMode mode, Offset from) {
    return fixture.stream()
        .read(ReadOptions.builder().offset(from).liveMode(mode).build(), MessageDecoder.rawJson())
        .test();
  }

  private static List<String> messages(List<ReadBatch<String>> batches) {
    List<String> all = new ArrayList<>();
    for (ReadBatch<String> batch : batches) all.addAll(batch.messages());
    return all;
  }

  @Test
  void sseDataAndItsControlEventAreOneBatch() throws Exception {
    enqueueCaughtUp("0_0");
    fixture.server.enqueue(
        sse(dataEvent("[\n{\"k\":1},\n{\"k\":2}\n]")
                + controlEvent(
                    "{\"streamNextOffset\":\"0_2\",\"streamCursor\":\"c1\",\"upToDate\":true}")
                + dataEvent("[3]")
                + controlEvent("{\"streamNextOffset\":\"0_3\",\"streamClosed\":true}"))
            .build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.SSE, Offset.START);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    List<ReadBatch<String>> batches = read.values();
    // The empty catch-up batch, then one batch per data+control pair.
    assertThat(batches).hasSize(3);
    assertThat(batches.get(1).messages()).containsExactly("{\"k\":1}", "{\"k\":2}");
    assertThat(batches.get(1).nextOffset()).isEqualTo(Offset.of("0_2"));
    assertThat(batches.get(1).cursor()).isEqualTo("c1");
    assertThat(batches.get(1).upToDate()).isTrue();
    assertThat(batches.get(2).messages()).containsExactly("3");
    assertThat(batches.get(2).streamClosed()).isTrue();
    fixture.take();
    RecordedRequest live = fixture.take();
    assertThat(live.getUrl().queryParameter("live")).isEqualTo("sse");
    assertThat(live.getUrl().queryParameter("offset")).isEqualTo("0_0");
    assertThat(live.getHeaders().get("Accept")).isEqualTo("text/event-stream");
    fixture.assertNoMoreRequests(); // streamClosed: never reconnect
  }

  @Test
  void sseReconnectsFromLastControlOffsetAfterServerCyclesConnection() throws Exception {
    enqueueCaughtUp("0_0");
    // First connection: one full pair, then a data event whose control never comes.
    fixture.server.enqueue(
        sse(dataEvent("[1]")
                + controlEvent("{\"streamNextOffset\":\"0_1\",\"streamCursor\":\"c\"}")
                + dataEvent("[2]"))
            .build());
    fixture.server.enqueue(
        sse(dataEvent("[2]") + controlEvent("{\"streamNextOffset\":\"0_2\",\"streamClosed\":true}"))
            .build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.SSE, Offset.START);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(messages(read.values())).containsExactly("1", "2");
    fixture.take();
    assertThat(fixture.take().getUrl().queryParameter("offset")).isEqualTo("0_0");
    assertThat(fixture.take().getUrl().queryParameter("offset")).isEqualTo("0_1");
    fixture.assertNoMoreRequests();
  }

  /** Events for messages {@code from..to}, each pair followed by its own offset "0_NN". */
  private static String events(int from, int to, boolean closeAtEnd) {
    StringBuilder events = new StringBuilder();
    for (int i = from; i <= to; i++) {
      String offset = String.format("0_%02d", i);
      boolean last = closeAtEnd && i == to;
      events
          .append(dataEvent("[" + i + "]"))
          .append(
              controlEvent(
                  "{\"streamNextOffset\":\""
                      + offset
                      + "\""
                      + (last ? ",\"streamClosed\":true" : ",\"streamCursor\":\"c\"")
                      + "}"));
    }
    return events.toString();
  }

  @Test
  void sseConnectionBrokenMidStreamResumesFromLastControlWithoutDuplicates() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    List<String> resumedFrom = new java.util.concurrent.CopyOnWriteArrayList<>();
    fixture.server.setDispatcher(
        new mockwebserver3.Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            switch (calls.incrementAndGet()) {
              case 1:
                return json("[]", "0_00").addHeader("Stream-Up-To-Date", "true").build();
              case 2: // cut somewhere in the middle of the body
                return sse(events(1, 50, false))
                    .onResponseBody(mockwebserver3.SocketEffect.ShutdownConnection.INSTANCE)
                    .build();
              case 3:
                return new MockResponse.Builder().code(429).addHeader("Retry-After", "0").build();
              default:
                String offset = request.getUrl().queryParameter("offset");
                resumedFrom.add(offset);
                return sse(events(Integer.parseInt(offset.substring(2)) + 1, 50, true)).build();
            }
          }
        });

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.SSE, Offset.START);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 50; i++) expected.add(String.valueOf(i));
    assertThat(messages(read.values())).containsExactlyElementsOf(expected);
    assertThat(resumedFrom).hasSize(1);
    assertThat(calls.get()).isEqualTo(4);
  }

  @Test
  void failuresSeparatedByHealthyLongPollsDoNotAddUpToTheRetryLimit() throws Exception {
    enqueueCaughtUp("0_0");
    // fastRetries() allows 5 retries in a row; here 8 failures come, but never 2 in a row.
    for (int i = 0; i < 8; i++) {
      fixture.server.enqueue(new MockResponse.Builder().code(503).build());
      fixture.server.enqueue(
          new MockResponse.Builder()
              .code(204)
              .addHeader("Stream-Next-Offset", "0_0")
              .addHeader("Stream-Up-To-Date", "true")
              .addHeader("Stream-Cursor", "c")
              .build());
    }
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(204)
            .addHeader("Stream-Next-Offset", "0_0")
            .addHeader("Stream-Closed", "true")
            .build());

    read(LiveMode.LONG_POLL, Offset.START).awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(fixture.server.getRequestCount()).isEqualTo(18);
  }

  @Test
  void readHeadersGoWithEveryRequestOfTheRead() throws Exception {
    enqueueCaughtUp("0_0");
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(204)
            .addHeader("Stream-Next-Offset", "0_0")
            .addHeader("Stream-Closed", "true")
            .build());

    fixture.stream()
        .read(
            ReadOptions.builder().liveMode(LiveMode.LONG_POLL).header("X-Tenant", "t7").build(),
            MessageDecoder.rawJson())
        .test()
        .awaitDone(5, TimeUnit.SECONDS)
        .assertComplete();

    assertThat(fixture.take().getHeaders().get("X-Tenant")).isEqualTo("t7");
    assertThat(fixture.take().getHeaders().get("X-Tenant")).isEqualTo("t7");
  }

  @Test
  void sseClosedStreamCompletesWithoutReconnecting() throws Exception {
    enqueueCaughtUp("0_5");
    fixture.server.enqueue(
        sse(controlEvent("{\"streamNextOffset\":\"0_5\",\"streamClosed\":true,\"upToDate\":true}"))
            .build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.SSE, Offset.of("0_5"));

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(read.values().get(read.values().size() - 1).streamClosed()).isTrue();
    fixture.take();
    fixture.take();
    fixture.assertNoMoreRequests();
  }

  @Test
  void malformedControlEventIsProtocolError() throws Exception {
    enqueueCaughtUp("0_1");
    fixture.server.enqueue(sse(dataEvent("[1]") + controlEvent("{invalid json here")).build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.SSE, Offset.of("0_1"));

    read.awaitDone(5, TimeUnit.SECONDS).assertError(ProtocolException.class);
    assertThat(messages(read.values())).isEmpty();
  }

  @Test
  void emptyControlEventIsProtocolError() throws Exception {
    enqueueCaughtUp("0_1");
    fixture.server.enqueue(sse("event: control\ndata:\n\n").build());

    read(LiveMode.SSE, Offset.of("0_1"))
        .awaitDone(5, TimeUnit.SECONDS)
        .assertError(ProtocolException.class);
  }

  @Test
  void controlRepeatingTheOffsetAfterDataIsProtocolError() throws Exception {
    enqueueCaughtUp("0_1");
    fixture.server.enqueue(
        sse(dataEvent("[1]")
                + controlEvent("{\"streamNextOffset\":\"0_1\",\"streamCursor\":\"c\"}"))
            .build());

    read(LiveMode.SSE, Offset.of("0_1"))
        .awaitDone(5, TimeUnit.SECONDS)
        .assertError(ProtocolException.class);
  }

  @Test
  void unknownSseEventTypesAreIgnored() throws Exception {
    enqueueCaughtUp("0_0");
    fixture.server.enqueue(
        sse("event: future-type\ndata: {\"v\":2}\n\n"
                + dataEvent("[1]")
                + controlEvent("{\"streamNextOffset\":\"0_1\",\"streamClosed\":true}"))
            .build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.SSE, Offset.START);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(messages(read.values())).containsExactly("1");
  }

  @Test
  void sseWithWrongContentTypeIsProtocolError() throws Exception {
    enqueueCaughtUp("0_0");
    fixture.server.enqueue(json("[1]", "0_1").build());

    read(LiveMode.SSE, Offset.START)
        .awaitDone(5, TimeUnit.SECONDS)
        .assertError(
            e -> e instanceof ProtocolException && e.getMessage().contains("application/json"));
  }

  @Test
  void base64SseDataOfBinaryStreamIsDecoded() throws Exception {
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/octet-stream")
            .addHeader("Stream-Next-Offset", "0_0")
            .addHeader("Stream-Up-To-Date", "true")
            .build());
    fixture.server.enqueue(
        sse("event: data\ndata: AQID\ndata: BA==\n\n"
                + controlEvent("{\"streamNextOffset\":\"0_4\",\"streamClosed\":true}"))
            .addHeader("Stream-SSE-Data-Encoding", "base64")
            .build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.SSE, Offset.START);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(read.values().get(1).bytes().toByteArray()).containsExactly(1, 2, 3, 4);
  }

  @Test
  void longPoll204KeepsWaitingThenDeliversDataAndEchoesCursor() throws Exception {
    enqueueCaughtUp("0_0");
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(204)
            .addHeader("Stream-Next-Offset", "0_0")
            .addHeader("Stream-Up-To-Date", "true")
            .addHeader("Stream-Cursor", "100")
            .build());
    fixture.server.enqueue(json("[7]", "0_1").addHeader("Stream-Cursor", "101").build());
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(204)
            .addHeader("Stream-Next-Offset", "0_1")
            .addHeader("Stream-Up-To-Date", "true")
            .addHeader("Stream-Closed", "true")
            .build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.LONG_POLL, Offset.START);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(messages(read.values())).containsExactly("7");
    // The 204 that changed nothing is not a batch; the closing one is.
    assertThat(read.values()).hasSize(3);
    assertThat(read.values().get(2).status()).isEqualTo(204);
    assertThat(read.values().get(2).streamClosed()).isTrue();
    assertThat(fixture.take().getUrl().queryParameter("live")).isNull();
    RecordedRequest first = fixture.take();
    assertThat(first.getUrl().queryParameter("live")).isEqualTo("long-poll");
    assertThat(first.getUrl().queryParameter("cursor")).isNull();
    assertThat(fixture.take().getUrl().queryParameter("cursor")).isEqualTo("100");
    RecordedRequest third = fixture.take();
    assertThat(third.getUrl().queryParameter("cursor")).isEqualTo("101");
    assertThat(third.getUrl().queryParameter("offset")).isEqualTo("0_1");
  }

  @Test
  void longPollFromNowWaitsAtOnceWithoutCatchUp() throws Exception {
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(204)
            .addHeader("Stream-Next-Offset", "0_4")
            .addHeader("Stream-Up-To-Date", "true")
            .addHeader("Stream-Cursor", "9")
            .build());
    fixture.server.enqueue(json("[5]", "0_5").addHeader("Stream-Closed", "true").build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.LONG_POLL, Offset.NOW);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(read.values().get(0).status()).isEqualTo(204);
    assertThat(read.values().get(0).nextOffset()).isEqualTo(Offset.of("0_4"));
    assertThat(messages(read.values())).containsExactly("5");
    RecordedRequest first = fixture.take();
    assertThat(first.getUrl().queryParameter("live")).isEqualTo("long-poll");
    assertThat(first.getUrl().queryParameter("offset")).isEqualTo("now");
    assertThat(fixture.take().getUrl().queryParameter("offset")).isEqualTo("0_4");
  }

  @Test
  void sseFromNowWithoutDataCostsOneRequest() throws Exception {
    fixture.server.enqueue(
        sse(controlEvent("{\"streamNextOffset\":\"0_4\",\"upToDate\":true}")
                + controlEvent("{\"streamNextOffset\":\"0_4\",\"streamClosed\":true}"))
            .build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.SSE, Offset.NOW);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(read.values().get(0).nextOffset()).isEqualTo(Offset.of("0_4"));
    assertThat(read.values().get(0).upToDate()).isTrue();
    RecordedRequest only = fixture.take();
    assertThat(only.getMethod()).isEqualTo("GET");
    assertThat(only.getUrl().queryParameter("live")).isEqualTo("sse");
    assertThat(only.getUrl().queryParameter("offset")).isEqualTo("now");
    fixture.assertNoMoreRequests();
  }

  @Test
  void sseFromNowAsksTheStreamTypeOnceWhenTheFirstDataArrives() throws Exception {
    fixture.server.enqueue(
        sse(controlEvent("{\"streamNextOffset\":\"0_4\",\"upToDate\":true}")
                + dataEvent("[5]")
                + controlEvent("{\"streamNextOffset\":\"0_5\",\"upToDate\":true}")
                + dataEvent("[6,7]")
                + controlEvent("{\"streamNextOffset\":\"0_7\",\"streamClosed\":true}"))
            .build());
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .addHeader("Stream-Next-Offset", "0_7")
            .build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.AUTO, Offset.NOW);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(messages(read.values())).containsExactly("5", "6", "7");
    assertThat(fixture.take().getUrl().queryParameter("live")).isEqualTo("sse");
    RecordedRequest head = fixture.take();
    assertThat(head.getMethod()).isEqualTo("HEAD");
    assertThat(head.getUrl().queryParameter("offset")).isNull();
    fixture.assertNoMoreRequests();
  }

  @Test
  void sseFromNowOfABinaryStreamNeedsNoHead() throws Exception {
    fixture.server.enqueue(
        sse("event: data\ndata: AQID\n\n"
                + controlEvent("{\"streamNextOffset\":\"0_3\",\"streamClosed\":true}"))
            .addHeader("Stream-SSE-Data-Encoding", "base64")
            .build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.SSE, Offset.NOW);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(read.values().get(0).bytes().toByteArray()).containsExactly(1, 2, 3);
    assertThat(fixture.take().getUrl().queryParameter("live")).isEqualTo("sse");
    fixture.assertNoMoreRequests();
  }

  @Test
  void autoFallsBackToLongPollWhenSseIsNotServed() throws Exception {
    enqueueCaughtUp("0_0");
    fixture.server.enqueue(
        new MockResponse.Builder().code(400).body("live=sse unsupported").build());
    fixture.server.enqueue(json("[1]", "0_1").addHeader("Stream-Closed", "true").build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.AUTO, Offset.START);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(messages(read.values())).containsExactly("1");
    fixture.take();
    assertThat(fixture.take().getUrl().queryParameter("live")).isEqualTo("sse");
    assertThat(fixture.take().getUrl().queryParameter("live")).isEqualTo("long-poll");
  }

  @Test
  void autoFallsBackToLongPollWhenAProxyBuffersSse() throws Exception {
    enqueueCaughtUp("0_0");
    for (int i = 0; i < ReadLoop.QUICK_SSE_FAILURES_BEFORE_FALLBACK; i++) {
      fixture.server.enqueue(sse("").build()); // ends at once, no event: buffered away
    }
    fixture.server.enqueue(json("[1]", "0_1").addHeader("Stream-Closed", "true").build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.AUTO, Offset.START);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(messages(read.values())).containsExactly("1");
    fixture.take();
    for (int i = 0; i < ReadLoop.QUICK_SSE_FAILURES_BEFORE_FALLBACK; i++) {
      assertThat(fixture.take().getUrl().queryParameter("live")).isEqualTo("sse");
    }
    assertThat(fixture.take().getUrl().queryParameter("live")).isEqualTo("long-poll");
  }

  @Test
  void dynamicHeaderIsComputedForEveryReconnect() throws Exception {
    enqueueCaughtUp("0_0");
    fixture.server.enqueue(
        sse(dataEvent("[1]")
                + controlEvent("{\"streamNextOffset\":\"0_1\",\"streamCursor\":\"c\"}"))
            .build());
    fixture.server.enqueue(
        sse(dataEvent("[2]") + controlEvent("{\"streamNextOffset\":\"0_2\",\"streamClosed\":true}"))
            .build());
    AtomicInteger token = new AtomicInteger();
    DurableStream stream =
        fixture
            .streamBuilder()
            .header("Authorization", () -> "Bearer " + token.incrementAndGet())
            .build();

    stream
        .read(ReadOptions.builder().liveMode(LiveMode.SSE).build(), MessageDecoder.rawJson())
        .test()
        .awaitDone(5, TimeUnit.SECONDS)
        .assertComplete();

    assertThat(fixture.take().getHeaders().get("Authorization")).isEqualTo("Bearer 1");
    assertThat(fixture.take().getHeaders().get("Authorization")).isEqualTo("Bearer 2");
    assertThat(fixture.take().getHeaders().get("Authorization")).isEqualTo("Bearer 3");
  }

  @Test
  void cancellingALiveSseReadReleasesTheConnection() throws Exception {
    enqueueCaughtUp("0_0");
    fixture.server.enqueue(
        sse(dataEvent("[1]")
                + controlEvent("{\"streamNextOffset\":\"0_1\",\"streamCursor\":\"c\"}"))
            .onResponseEnd(mockwebserver3.SocketEffect.Stall.INSTANCE)
            .build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.SSE, Offset.START);
    read.awaitCount(2);
    assertThat(messages(read.values())).containsExactly("1");
    read.cancel();
    // The fixture fails the test afterwards if the blocked SSE call leaked.
  }
}
