package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RStreamClient.Builder#liveReadTimeout}: a live connection on which the server's bytes stop
 * arriving (a socket that died without a word) is given up after the timeout and read again, with
 * no change lost or seen twice. The server heartbeats (SSE) and answers long-polls well within the
 * timeout, so an idle but healthy connection is never taken for dead.
 */
@ExtendWith(UndeliveredRxErrors.class)
class LiveReadTimeoutTest {
  @RegisterExtension
  final StubServerExtension server =
      StubServerExtension.configured(
          builder ->
              builder.sseHeartbeat(Duration.ofMillis(100)).longPollTimeout(Duration.ofMillis(200)));

  private LinkedStream stream;

  @BeforeEach
  void start() throws IOException {
    stream = LinkedStream.create(server);
  }

  @AfterEach
  void stop() {
    stream.close();
  }

  private RStreamClient reader(LiveTransport transport) {
    return stream.reader(
        LocalStore.inMemory(),
        LinkedStream.fastRetry(),
        b -> b.liveTransport(transport).liveReadTimeout(1, SECONDS));
  }

  @Test
  void aSilentSseConnectionIsDroppedAndReadAgain() throws Exception {
    silentConnectionIsDroppedAndReadAgain(LiveTransport.SSE);
  }

  @Test
  void aSilentLongPollIsDroppedAndReadAgain() throws Exception {
    silentConnectionIsDroppedAndReadAgain(LiveTransport.LONG_POLL);
  }

  private void silentConnectionIsDroppedAndReadAgain(LiveTransport transport) throws Exception {
    RStreamClient reader = reader(transport);
    TestSubscriber<StateView> live = reader.live().test();
    LinkedStream.awaitLive(reader, Progress.Live.CONNECTED);
    live.awaitCount(1);
    Offset first = stream.append(2);
    LiveViews.latestAtOrPast(live, first);

    stream.link().stall(); // the connection stays open; nothing more reaches the client
    Progress retrying =
        reader
            .progress()
            .filter(p -> p.retryCause() != null)
            .firstOrError()
            .timeout(10, SECONDS)
            .blockingGet();
    assertThat(retrying.live()).isEqualTo(Progress.Live.RECONNECTING);
    assertThat(retrying.retryCause().getMessage()).containsIgnoringCase("timeout");

    stream.link().up();
    Offset more = stream.append(3);
    assertThat(LinkedStream.valuesThrough(live, more)).isEqualTo(stream.appendedValues());
    live.assertNoErrors().assertNotComplete();
  }

  @Test
  void theTimeoutMustBePositive() {
    RStreamClient.Builder builder = RStreamClient.builder();
    assertThatThrownBy(() -> builder.liveReadTimeout(0, SECONDS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("liveReadTimeout");
    assertThatThrownBy(() -> builder.liveReadTimeout(1, null))
        .isInstanceOf(NullPointerException.class);
  }
}
