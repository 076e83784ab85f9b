package dev.rstream;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.testing.NetworkLink;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  private final List<RStreamClient> clients = new ArrayList<>();
  private NetworkLink link;
  private String url;
  private RStreamClient writer;
  private int appended;

  @BeforeEach
  void start() throws IOException {
    url = server.createStateStream("shop/orders", "changes=100000, interval=3600s");
    link = NetworkLink.to("127.0.0.1", server.port());
    writer = RStreamClient.builder().streamUrl(url).okHttpClient(server.http()).build();
    clients.add(writer);
  }

  @AfterEach
  void stop() {
    clients.forEach(RStreamClient::close);
    link.close();
  }

  private RStreamClient reader(LiveTransport transport) {
    RStreamClient client =
        RStreamClient.builder()
            .streamUrl(link.url(url))
            .okHttpClient(server.newHttpClient())
            .liveTransport(transport)
            .liveLinger(0, SECONDS)
            .liveReadTimeout(1, SECONDS)
            .retryPolicy(
                RetryPolicy.builder()
                    .initialDelay(5, MILLISECONDS)
                    .maxDelay(20, MILLISECONDS)
                    .build())
            .build();
    clients.add(client);
    return client;
  }

  private Offset append(int n) {
    Offset last = null;
    for (int i = 0; i < n; i++) {
      last =
          writer.append(ReferenceChanges.numbered(appended++)).timeout(10, SECONDS).blockingGet();
    }
    return last;
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
    reader
        .progress()
        .filter(p -> p.live() == Progress.Live.CONNECTED)
        .firstOrError()
        .timeout(10, SECONDS)
        .blockingGet();
    live.awaitCount(1);
    Offset first = append(2);
    LiveViews.latestAtOrPast(live, first);

    link.stall(); // the connection stays open; nothing more reaches the client
    Progress retrying =
        reader
            .progress()
            .filter(p -> p.retryCause() != null)
            .firstOrError()
            .timeout(10, SECONDS)
            .blockingGet();
    assertThat(retrying.live()).isEqualTo(Progress.Live.RECONNECTING);
    assertThat(retrying.retryCause().getMessage()).containsIgnoringCase("timeout");

    link.up();
    Offset more = append(3);
    List<String> seen = new ArrayList<>();
    for (Change change : LiveViews.changesThrough(live, more)) seen.add(change.value());
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < appended; i++) expected.add(ReferenceChanges.numbered(i).value());
    assertThat(seen).isEqualTo(expected);
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
