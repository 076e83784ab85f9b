package dev.rstream.internal.http;

import static dev.rstream.internal.http.TransportFixture.json;
import static dev.rstream.internal.http.TransportFixture.messages;
import static dev.rstream.internal.http.TransportFixture.noContent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Offset;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A live read by long poll: a 204 that changes nothing is waited past, the cursor is echoed, and
 * each request of the read carries its headers; failures count against the retry limit only when
 * they come in a row.
 */
class LongPollLiveReadTest {
  @RegisterExtension final TransportFixture fixture = new TransportFixture();

  @Test
  void longPoll204KeepsWaitingThenDeliversDataAndEchoesCursor() throws Exception {
    fixture.enqueueCaughtUp("0_0");
    fixture.server.enqueue(
        noContent("0_0")
            .addHeader("Stream-Up-To-Date", "true")
            .addHeader("Stream-Cursor", "100")
            .build());
    fixture.server.enqueue(json("[7]", "0_1").addHeader("Stream-Cursor", "101").build());
    fixture.server.enqueue(
        noContent("0_1")
            .addHeader("Stream-Up-To-Date", "true")
            .addHeader("Stream-Closed", "true")
            .build());

    TestSubscriber<ReadBatch<String>> read = fixture.readToTheEnd(LiveMode.LONG_POLL, Offset.START);

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
        noContent("0_4")
            .addHeader("Stream-Up-To-Date", "true")
            .addHeader("Stream-Cursor", "9")
            .build());
    fixture.server.enqueue(json("[5]", "0_5").addHeader("Stream-Closed", "true").build());

    TestSubscriber<ReadBatch<String>> read = fixture.readToTheEnd(LiveMode.LONG_POLL, Offset.NOW);

    assertThat(read.values().get(0).status()).isEqualTo(204);
    assertThat(read.values().get(0).nextOffset()).isEqualTo(Offset.of("0_4"));
    assertThat(messages(read.values())).containsExactly("5");
    RecordedRequest first = fixture.take();
    assertThat(first.getUrl().queryParameter("live")).isEqualTo("long-poll");
    assertThat(first.getUrl().queryParameter("offset")).isEqualTo("now");
    assertThat(fixture.take().getUrl().queryParameter("offset")).isEqualTo("0_4");
  }

  @Test
  void failuresSeparatedByHealthyLongPollsDoNotAddUpToTheRetryLimit() throws Exception {
    fixture.enqueueCaughtUp("0_0");
    // fastRetries() allows 5 retries in a row; here 8 failures come, but never 2 in a row.
    for (int i = 0; i < 8; i++) {
      fixture.server.enqueue(new MockResponse.Builder().code(503).build());
      fixture.server.enqueue(
          noContent("0_0")
              .addHeader("Stream-Up-To-Date", "true")
              .addHeader("Stream-Cursor", "c")
              .build());
    }
    fixture.server.enqueue(noContent("0_0").addHeader("Stream-Closed", "true").build());

    fixture.readToTheEnd(LiveMode.LONG_POLL, Offset.START);
    assertThat(fixture.server.getRequestCount()).isEqualTo(18);
  }

  @Test
  void readHeadersGoWithEveryRequestOfTheRead() throws Exception {
    fixture.enqueueCaughtUp("0_0");
    fixture.server.enqueue(noContent("0_0").addHeader("Stream-Closed", "true").build());

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
}
