package dev.rstream.internal.http;

import static dev.rstream.internal.http.TransportFixture.json;
import static dev.rstream.internal.http.TransportFixture.messages;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A read response whose body stops inside its JSON. Complete by its HTTP framing, it is what the
 * server meant to send: the read fails with a {@link ProtocolException} after exactly one request,
 * since asking again would hide the server's bug (or, behind a cache, get the same bytes forever).
 * Cut short of its framing by the connection, it is a network fault: retried from the same offset,
 * nothing delivered twice. Both cases send the client the same JSON bytes; only the framing
 * differs.
 */
class TruncatedBodyTest {
  /** The JSON bytes both cases deliver: two messages, then the third stops inside a string. */
  private static final String CUT_JSON = "[1,2,{\"key\":\"some";

  /** The body the server meant when its transfer is cut after {@link #CUT_JSON}. */
  private static final String WHOLE_JSON = "[1,2,{\"key\":\"something\"}]";

  @RegisterExtension final TransportFixture fixture = new TransportFixture();

  /** How an HTTP/1.1 response says where its body ends. */
  enum Framing {
    CONTENT_LENGTH,
    CHUNKED,
    /** No length and no chunks: the body ends when the server closes the connection. */
    CLOSE_DELIMITED
  }

  /** {@code body} sent whole by its framing, with the read headers. */
  private static MockResponse.Builder complete(String body, String nextOffset, Framing framing) {
    MockResponse.Builder response = json("", nextOffset);
    switch (framing) {
      case CONTENT_LENGTH:
        return response.body(body);
      case CHUNKED:
        return response.chunkedBody(body, 4);
      case CLOSE_DELIMITED:
        return response
            .body(body)
            .removeHeader("Content-Length")
            .addHeader("Connection", "close")
            .onResponseEnd(SocketEffect.ShutdownConnection.INSTANCE);
      default:
        throw new AssertionError(framing);
    }
  }

  /**
   * {@link #WHOLE_JSON} announced whole, but the connection closes once {@link #CUT_JSON} is sent.
   * MockWebServer's {@link SocketEffect.ShutdownConnection} on the body cuts it after half, so the
   * body is padded with JSON whitespace after the whole value to put the half at the cut.
   */
  private static MockResponse.Builder cutByTheConnection(String nextOffset, Framing framing) {
    StringBuilder padded = new StringBuilder(WHOLE_JSON);
    while (padded.length() < 2 * CUT_JSON.length()) padded.append(' ');
    assertThat(padded.substring(0, CUT_JSON.length())).isEqualTo(CUT_JSON);
    assertThat(padded).hasSize(2 * CUT_JSON.length());
    MockResponse.Builder response = json("", nextOffset);
    response =
        framing == Framing.CHUNKED
            ? response.chunkedBody(padded.toString(), CUT_JSON.length())
            : response.body(padded.toString());
    return response.onResponseBody(SocketEffect.ShutdownConnection.INSTANCE);
  }

  /** The framing the client saw, from the headers its batch carries. */
  private static Framing framingOf(ReadBatch<?> batch) {
    if ("chunked".equalsIgnoreCase(batch.headers().get("Transfer-Encoding"))) {
      return Framing.CHUNKED;
    }
    return batch.headers().get("Content-Length") != null
        ? Framing.CONTENT_LENGTH
        : Framing.CLOSE_DELIMITED;
  }

  private TestSubscriber<ReadBatch<String>> read(LiveMode mode) {
    ReadOptions options = ReadOptions.builder().liveMode(mode).maxBatchMessages(1).build();
    return fixture.stream().read(options, MessageDecoder.rawJson()).test();
  }

  @ParameterizedTest
  @EnumSource(Framing.class)
  void catchUpBodyCompleteByItsFramingButStoppingInsideItsJsonFailsTypedWithoutRetry(
      Framing framing) throws Exception {
    fixture.server.enqueue(complete(CUT_JSON, "0_3", framing).build());
    // What a retry would get: it must never be asked for.
    fixture.server.enqueue(json(WHOLE_JSON, "0_3").addHeader("Stream-Up-To-Date", "true").build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.OFF);

    read.awaitDone(5, TimeUnit.SECONDS).assertError(ProtocolException.class);
    ProtocolException error = (ProtocolException) TransportFixture.errorOf(read);
    assertThat(error.status()).isEqualTo(200);
    assertThat(error.offset()).isEqualTo(Offset.START);
    assertThat(error.getMessage()).contains("malformed JSON", "/s");
    // The messages before the malformed point went down as partial batches, and stay delivered.
    assertThat(messages(read.values())).containsExactly("1", "2");
    assertThat(read.values()).allMatch(ReadBatch::partial);
    assertThat(framingOf(read.values().get(0))).isEqualTo(framing);
    assertThat(fixture.take().getUrl().queryParameter("offset")).isEqualTo("-1");
    fixture.assertNoMoreRequests();
  }

  @ParameterizedTest
  @EnumSource(
      value = Framing.class,
      names = {"CONTENT_LENGTH", "CHUNKED"})
  void catchUpBodyCutShortOfItsFramingIsRetriedAndDeliveredOnce(Framing framing) throws Exception {
    fixture.server.enqueue(cutByTheConnection("0_3", framing).build());
    fixture.server.enqueue(json(WHOLE_JSON, "0_3").addHeader("Stream-Up-To-Date", "true").build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.OFF);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(messages(read.values())).containsExactly("1", "2", "{\"key\":\"something\"}");
    assertThat(fixture.take().getUrl().queryParameter("offset")).isEqualTo("-1");
    assertThat(fixture.take().getUrl().queryParameter("offset")).isEqualTo("-1");
    fixture.assertNoMoreRequests();
  }

  @Test
  void longPollBodyCompleteButStoppingInsideItsJsonFailsTypedWithoutRetry() throws Exception {
    fixture.server.enqueue(json("[]", "0_0").addHeader("Stream-Up-To-Date", "true").build());
    fixture.server.enqueue(complete(CUT_JSON, "0_3", Framing.CONTENT_LENGTH).build());
    fixture.server.enqueue(json(WHOLE_JSON, "0_3").addHeader("Stream-Closed", "true").build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.LONG_POLL);

    read.awaitDone(5, TimeUnit.SECONDS).assertError(ProtocolException.class);
    ProtocolException error = (ProtocolException) TransportFixture.errorOf(read);
    assertThat(error.status()).isEqualTo(200);
    assertThat(error.offset()).isEqualTo(Offset.of("0_0"));
    assertThat(messages(read.values())).containsExactly("1", "2");
    assertThat(fixture.take().getUrl().queryParameter("live")).isNull();
    RecordedRequest poll = fixture.take();
    assertThat(poll.getUrl().queryParameter("live")).isEqualTo("long-poll");
    fixture.assertNoMoreRequests();
  }

  @Test
  void longPollBodyCutShortOfItsFramingIsRetriedFromTheSameOffset() throws Exception {
    fixture.server.enqueue(json("[]", "0_0").addHeader("Stream-Up-To-Date", "true").build());
    fixture.server.enqueue(cutByTheConnection("0_3", Framing.CONTENT_LENGTH).build());
    fixture.server.enqueue(json(WHOLE_JSON, "0_3").addHeader("Stream-Closed", "true").build());

    TestSubscriber<ReadBatch<String>> read = read(LiveMode.LONG_POLL);

    read.awaitDone(5, TimeUnit.SECONDS).assertComplete();
    assertThat(messages(read.values())).containsExactly("1", "2", "{\"key\":\"something\"}");
    fixture.take();
    for (int i = 0; i < 2; i++) {
      RecordedRequest poll = fixture.take();
      assertThat(poll.getUrl().queryParameter("live")).isEqualTo("long-poll");
      assertThat(poll.getUrl().queryParameter("offset")).isEqualTo("0_0");
    }
    fixture.assertNoMoreRequests();
  }
}
