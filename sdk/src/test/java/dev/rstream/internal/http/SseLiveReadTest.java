package dev.rstream.internal.http;

import static dev.rstream.internal.http.TransportFixture.closingControl;
import static dev.rstream.internal.http.TransportFixture.controlEvent;
import static dev.rstream.internal.http.TransportFixture.dataEvent;
import static dev.rstream.internal.http.TransportFixture.json;
import static dev.rstream.internal.http.TransportFixture.messages;
import static dev.rstream.internal.http.TransportFixture.openControl;
import static dev.rstream.internal.http.TransportFixture.sse;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Offset;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A live read over SSE: each data event and the control event after it make one batch, a cut
 * connection resumes from the last control's offset, a closed stream ends the read, and a read from
 * now costs one request.
 */
class SseLiveReadTest {
  @RegisterExtension final TransportFixture fixture = new TransportFixture();

  @Test
  void sseDataAndItsControlEventAreOneBatch() throws Exception {
    fixture.enqueueCaughtUp("0_0");
    fixture.server.enqueue(
        sse(dataEvent("[\n{\"k\":1},\n{\"k\":2}\n]")
                + controlEvent(
                    "{\"streamNextOffset\":\"0_2\",\"streamCursor\":\"c1\",\"upToDate\":true}")
                + dataEvent("[3]")
                + closingControl("0_3"))
            .build());

    TestSubscriber<ReadBatch<String>> read = fixture.readToTheEnd(LiveMode.SSE, Offset.START);

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
    fixture.enqueueCaughtUp("0_0");
    // First connection: one full pair, then a data event whose control never comes.
    fixture.server.enqueue(sse(dataEvent("[1]") + openControl("0_1") + dataEvent("[2]")).build());
    fixture.server.enqueue(sse(dataEvent("[2]") + closingControl("0_2")).build());

    TestSubscriber<ReadBatch<String>> read = fixture.readToTheEnd(LiveMode.SSE, Offset.START);

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
          .append(last ? closingControl(offset) : openControl(offset));
    }
    return events.toString();
  }

  @Test
  void sseConnectionBrokenMidStreamResumesFromLastControlWithoutDuplicates() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    List<String> resumedFrom = new CopyOnWriteArrayList<>();
    fixture.server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            switch (calls.incrementAndGet()) {
              case 1:
                return json("[]", "0_00").addHeader("Stream-Up-To-Date", "true").build();
              case 2: // cut somewhere in the middle of the body
                return sse(events(1, 50, false))
                    .onResponseBody(SocketEffect.ShutdownConnection.INSTANCE)
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

    TestSubscriber<ReadBatch<String>> read = fixture.readToTheEnd(LiveMode.SSE, Offset.START);

    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 50; i++) expected.add(String.valueOf(i));
    assertThat(messages(read.values())).containsExactlyElementsOf(expected);
    assertThat(resumedFrom).hasSize(1);
    assertThat(calls.get()).isEqualTo(4);
  }

  @Test
  void sseClosedStreamCompletesWithoutReconnecting() throws Exception {
    fixture.enqueueCaughtUp("0_5");
    fixture.server.enqueue(
        sse(controlEvent("{\"streamNextOffset\":\"0_5\",\"streamClosed\":true,\"upToDate\":true}"))
            .build());

    TestSubscriber<ReadBatch<String>> read = fixture.readToTheEnd(LiveMode.SSE, Offset.of("0_5"));

    assertThat(read.values().get(read.values().size() - 1).streamClosed()).isTrue();
    fixture.take();
    fixture.take();
    fixture.assertNoMoreRequests();
  }

  @Test
  void unknownSseEventTypesAreIgnored() throws Exception {
    fixture.enqueueCaughtUp("0_0");
    fixture.server.enqueue(
        sse("event: future-type\ndata: {\"v\":2}\n\n" + dataEvent("[1]") + closingControl("0_1"))
            .build());

    TestSubscriber<ReadBatch<String>> read = fixture.readToTheEnd(LiveMode.SSE, Offset.START);

    assertThat(messages(read.values())).containsExactly("1");
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
        sse("event: data\ndata: AQID\ndata: BA==\n\n" + closingControl("0_4"))
            .addHeader("Stream-SSE-Data-Encoding", "base64")
            .build());

    TestSubscriber<ReadBatch<String>> read = fixture.readToTheEnd(LiveMode.SSE, Offset.START);

    assertThat(read.values().get(1).bytes().toByteArray()).containsExactly(1, 2, 3, 4);
  }

  @Test
  void sseFromNowWithoutDataCostsOneRequest() throws Exception {
    fixture.server.enqueue(
        sse(controlEvent("{\"streamNextOffset\":\"0_4\",\"upToDate\":true}")
                + closingControl("0_4"))
            .build());

    TestSubscriber<ReadBatch<String>> read = fixture.readToTheEnd(LiveMode.SSE, Offset.NOW);

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
                + closingControl("0_7"))
            .build());
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .addHeader("Stream-Next-Offset", "0_7")
            .build());

    TestSubscriber<ReadBatch<String>> read = fixture.readToTheEnd(LiveMode.AUTO, Offset.NOW);

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
        sse("event: data\ndata: AQID\n\n" + closingControl("0_3"))
            .addHeader("Stream-SSE-Data-Encoding", "base64")
            .build());

    TestSubscriber<ReadBatch<String>> read = fixture.readToTheEnd(LiveMode.SSE, Offset.NOW);

    assertThat(read.values().get(0).bytes().toByteArray()).containsExactly(1, 2, 3);
    assertThat(fixture.take().getUrl().queryParameter("live")).isEqualTo("sse");
    fixture.assertNoMoreRequests();
  }

  @Test
  void dynamicHeaderIsComputedForEveryReconnect() throws Exception {
    fixture.enqueueCaughtUp("0_0");
    fixture.server.enqueue(sse(dataEvent("[1]") + openControl("0_1")).build());
    fixture.server.enqueue(sse(dataEvent("[2]") + closingControl("0_2")).build());
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
    fixture.enqueueCaughtUp("0_0");
    fixture.server.enqueue(
        sse(dataEvent("[1]") + openControl("0_1"))
            .onResponseEnd(SocketEffect.Stall.INSTANCE)
            .build());

    TestSubscriber<ReadBatch<String>> read = fixture.read(LiveMode.SSE, Offset.START);
    read.awaitCount(2);
    assertThat(messages(read.values())).containsExactly("1");
    read.cancel();
    // The fixture fails the test afterwards if the blocked SSE call leaked.
  }
}
