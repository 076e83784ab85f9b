package dev.rstream.internal.http;

import static dev.rstream.internal.http.TransportFixture.json;
import static dev.rstream.internal.http.TransportFixture.messages;
import static dev.rstream.internal.http.TransportFixture.sse;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Offset;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.ReadBatch;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link LiveMode#AUTO} reads live by SSE, and falls back to long polls where SSE does not get
 * through: a server that refuses it, or a proxy that buffers the event stream away.
 */
class AutoLiveModeTest {
  @RegisterExtension final TransportFixture fixture = new TransportFixture();

  @Test
  void autoFallsBackToLongPollWhenSseIsNotServed() throws Exception {
    fixture.enqueueCaughtUp("0_0");
    fixture.server.enqueue(
        new MockResponse.Builder().code(400).body("live=sse unsupported").build());
    fixture.server.enqueue(json("[1]", "0_1").addHeader("Stream-Closed", "true").build());

    TestSubscriber<ReadBatch<String>> read = fixture.readToTheEnd(LiveMode.AUTO, Offset.START);

    assertThat(messages(read.values())).containsExactly("1");
    fixture.take();
    assertThat(fixture.take().getUrl().queryParameter("live")).isEqualTo("sse");
    assertThat(fixture.take().getUrl().queryParameter("live")).isEqualTo("long-poll");
  }

  @Test
  void autoFallsBackToLongPollWhenAProxyBuffersSse() throws Exception {
    fixture.enqueueCaughtUp("0_0");
    for (int i = 0; i < ReadLoop.QUICK_SSE_FAILURES_BEFORE_FALLBACK; i++) {
      fixture.server.enqueue(sse("").build()); // ends at once, no event: buffered away
    }
    fixture.server.enqueue(json("[1]", "0_1").addHeader("Stream-Closed", "true").build());

    TestSubscriber<ReadBatch<String>> read = fixture.readToTheEnd(LiveMode.AUTO, Offset.START);

    assertThat(messages(read.values())).containsExactly("1");
    fixture.take();
    for (int i = 0; i < ReadLoop.QUICK_SSE_FAILURES_BEFORE_FALLBACK; i++) {
      assertThat(fixture.take().getUrl().queryParameter("live")).isEqualTo("sse");
    }
    assertThat(fixture.take().getUrl().queryParameter("live")).isEqualTo("long-poll");
  }
}
