package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.durable.DurableStream;
import dev.rstream.internal.window.GeneratedLog;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.observers.BaseTestConsumer;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A closed client: every call fails with one clear {@code IllegalStateException} and sends nothing,
 * and what was subscribed before the close ends (streams complete, waits fail).
 */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamClientClosedTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @RegisterExtension final StubServerExtension server = StubServerExtension.inMemory();
  private String url;

  @BeforeEach
  void start() {
    url = server.createJsonStream("closed/orders");
  }

  /** The stream's tail, as the server tells it. */
  private Offset tail() {
    return DurableStream.builder()
        .url(url)
        .okHttpClient(server.http())
        .build()
        .head()
        .blockingGet()
        .nextOffset();
  }

  private static void assertClientClosed(BaseTestConsumer<?, ?> consumer) {
    consumer
        .awaitDone(5, SECONDS)
        .assertNoValues()
        .assertError(
            e -> e instanceof IllegalStateException && e.getMessage().startsWith("client closed"));
  }

  private static void assertClientClosed(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("client closed");
  }

  @Test
  void everyCallOnAClosedClientAndItsProducerFailsAndNothingReachesTheServer() {
    RStreamClient client =
        RStreamClient.builder().streamUrl(url).okHttpClient(server.http()).build();
    ChangeProducer producer = client.producer();
    Offset before = tail();
    client.close();
    client.close(); // idempotent

    Change change = Change.update("order", "o1", "{\"qty\":1}");
    assertClientClosed(client.window(T).test());
    assertClientClosed(client.live().test());
    assertClientClosed(client.windows().test());
    assertClientClosed(client.changes(T, T.plusSeconds(60)).test());
    assertClientClosed(client.append(change).test());
    assertClientClosed(client.append(List.of(change, change)).test());
    assertClientClosed(client.awaitOffset(before).test());
    assertClientClosed(client.awaitOffset(before, 5, SECONDS).test());
    assertClientClosed(client.state().test());
    assertClientClosed(client.progress().test());
    assertClientClosed(client::producer);
    assertClientClosed(client::pause);
    assertClientClosed(client::resume);
    assertClientClosed(client.outboxSize().test());
    assertClientClosed(client.rejectedWrites().test());
    assertThat(client.durableOutbox()).as("answers after close").isFalse();
    // Platform signals may still arrive after close: they do nothing, and do not throw.
    client.connectivity().networkLost();
    client.connectivity().networkAvailable();
    client.connectivity().background();
    client.connectivity().foreground();
    assertThat(client.streamUrl()).isEqualTo(url);

    assertClientClosed(producer.append(change).test());
    assertClientClosed(producer.append(List.of(change)).test());
    assertClientClosed(producer.flush().test());
    assertClientClosed(producer.detach().test());

    assertThat(tail()).as("nothing appended after close").isEqualTo(before);
  }

  @Test
  void aStreamTakenBeforeCloseAndSubscribedAfterFailsToo() {
    RStreamClient client =
        RStreamClient.builder().streamUrl(url).okHttpClient(server.http()).build();
    TestSubscriber<StateView> live = client.live().test(0); // cold: nothing happens yet...
    io.reactivex.rxjava3.core.Single<Offset> append =
        client.append(Change.update("order", "o1", "1"));
    client.close();

    assertClientClosed(client.live().test());
    assertClientClosed(append.test()); // ...and subscribing after close fails
    live.cancel();
  }

  /**
   * The public methods {@link
   * #everyCallOnAClosedClientAndItsProducerFailsAndNothingReachesTheServer} calls.
   */
  @Test
  void theClosedTestCoversEveryPublicMethod() {
    assertThat(publicMethods(RStreamClient.class))
        .containsExactlyInAnyOrder(
            "window",
            "live",
            "windows",
            "changes",
            "append",
            "awaitOffset",
            "state",
            "progress",
            "producer",
            "pause",
            "resume",
            "durableOutbox",
            "outboxSize",
            "rejectedWrites",
            "connectivity",
            "streamUrl",
            "close",
            "builder");
    assertThat(publicMethods(ChangeProducer.class))
        .containsExactlyInAnyOrder("append", "flush", "detach", "id", "epoch", "toString");
  }

  private static Set<String> publicMethods(Class<?> type) {
    Set<String> names = new TreeSet<>();
    for (Method method : type.getDeclaredMethods()) {
      if (Modifier.isPublic(method.getModifiers()) && !method.isSynthetic())
        names.add(method.getName());
    }
    return names;
  }

  @Test
  void streamsSubscribedBeforeCloseCompleteAndWaitsWithoutTheirAnswerFail() {
    GeneratedLog log = new GeneratedLog(3, 4, 5);
    FakeStateStream stream = new FakeStateStream(log);
    RStreamClient client = FakeStreamClients.builder(stream).build();
    stream.closeGate(); // reads wait: the live state never catches up
    TestSubscriber<StateView> live = client.live().test();
    TestSubscriber<List<WindowInfo>> windows = client.windows().test();
    TestSubscriber<Progress> progress = client.progress().test();
    TestObserver<Void> unreached = client.awaitOffset(log.messages.get(0).offset()).test();
    TestObserver<Void> unreachedWithin =
        client
            .awaitOffset(log.messages.get(0).offset(), 1, java.util.concurrent.TimeUnit.HOURS)
            .test();
    TestObserver<StateView> state = client.state().test();
    unreached.assertNotComplete();
    state.assertNotComplete();

    client.close();

    windows.awaitDone(5, SECONDS).assertComplete().assertNoErrors();
    progress.awaitDone(5, SECONDS).assertComplete().assertNoErrors();
    live.awaitDone(5, SECONDS).assertComplete().assertNoErrors();
    // A completion would say the offset was reached: it was not.
    assertClientClosed(unreached);
    assertClientClosed(unreachedWithin);
    assertClientClosed(state);
    stream.openGate();
  }
}
