package dev.rstream.internal.http;

import static dev.rstream.internal.http.TransportFixture.controlEvent;
import static dev.rstream.internal.http.TransportFixture.dataEvent;
import static dev.rstream.internal.http.TransportFixture.json;
import static dev.rstream.internal.http.TransportFixture.messages;
import static dev.rstream.internal.http.TransportFixture.openControl;
import static dev.rstream.internal.http.TransportFixture.sse;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.ReadBatch;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An SSE answer that breaks the protocol fails the live read with {@link ProtocolException}. */
class SseProtocolErrorTest {
  @RegisterExtension final TransportFixture fixture = new TransportFixture();

  /** A live SSE read from 0_1 whose live answer carries {@code events}; it must fail. */
  private TestSubscriber<ReadBatch<String>> failedSseReadOf(String events) {
    fixture.enqueueCaughtUp("0_1");
    fixture.server.enqueue(sse(events).build());
    return fixture
        .read(LiveMode.SSE, Offset.of("0_1"))
        .awaitDone(5, TimeUnit.SECONDS)
        .assertError(ProtocolException.class);
  }

  @Test
  void malformedControlEventIsProtocolError() {
    TestSubscriber<ReadBatch<String>> read =
        failedSseReadOf(dataEvent("[1]") + controlEvent("{invalid json here"));

    assertThat(messages(read.values())).isEmpty();
  }

  @Test
  void emptyControlEventIsProtocolError() {
    failedSseReadOf("event: control\ndata:\n\n");
  }

  @Test
  void controlRepeatingTheOffsetAfterDataIsProtocolError() {
    failedSseReadOf(dataEvent("[1]") + openControl("0_1"));
  }

  @Test
  void sseWithWrongContentTypeIsProtocolError() {
    fixture.enqueueCaughtUp("0_0");
    fixture.server.enqueue(json("[1]", "0_1").build());

    fixture
        .read(LiveMode.SSE, Offset.START)
        .awaitDone(5, TimeUnit.SECONDS)
        .assertError(
            e -> e instanceof ProtocolException && e.getMessage().contains("application/json"));
  }
}
