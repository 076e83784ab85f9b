package dev.rstream;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RStreamClient#state()} and the bounded {@link RStreamClient#awaitOffset}, against
 * server-stub.
 */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamClientStateTest {
  final StubServerExtension server = StubServerExtension.inMemory();
  @RegisterExtension final ServerClients clients = new ServerClients(server);
  private String url;

  @BeforeEach
  void start() {
    url = server.createStateStream("state/orders", "changes=1000, interval=3600s");
  }

  private RStreamClient client(LocalStore store) {
    return clients.client(clients.withoutLinger(url).store(store));
  }

  private static Offset append(RStreamClient client, int from, int to) {
    Offset last = null;
    for (int i = from; i < to; i++) {
      last =
          client
              .append(Change.update("order", "o" + i, "{\"qty\":" + i + "}"))
              .timeout(10, SECONDS)
              .blockingGet();
    }
    return last;
  }

  @Test
  void stateIsTheServersTailNotTheStoredStateThatLiveShowsFirst() {
    LocalStore store = LocalStore.inMemory();
    RStreamClient writer = client(LocalStore.inMemory());
    Offset first = append(writer, 0, 3);
    RStreamClient earlier = client(store);
    TestSubscriber<StateView> following = earlier.live().test();
    earlier
        .awaitOffset(first, 10, SECONDS)
        .blockingAwait(); // the store holds the live window to here
    following.cancel();
    earlier.close();
    Offset tail = append(writer, 3, 6);

    RStreamClient restarted = client(store);
    StateView stored = restarted.live().firstOrError().timeout(10, SECONDS).blockingGet();
    StateView current = restarted.state().timeout(10, SECONDS).blockingGet();

    assertThat(stored.fromStore()).isTrue();
    assertThat(stored.offset()).isEqualTo(first); // what live().firstElement() gave: stale
    assertThat(current.offset()).isEqualTo(tail);
    assertThat(current.fromStore()).isFalse();
    assertThat(current.entities("order"))
        .containsOnlyKeys("o0", "o1", "o2", "o3", "o4", "o5")
        .containsEntry("o5", "{\"qty\":5}");
  }

  @Test
  void stateOfAnEmptyStreamIsEmpty() {
    StateView current = client(LocalStore.inMemory()).state().timeout(10, SECONDS).blockingGet();
    assertThat(current.types()).isEmpty();
  }

  @Test
  void aBoundedAwaitCompletesWhenReachedAndFailsTypedWhenNot() {
    RStreamClient client = client(LocalStore.inMemory());
    Offset written = append(client, 0, 2);
    TestSubscriber<StateView> live = client.live().test();
    client.awaitOffset(written, 10, SECONDS).test().awaitDone(10, SECONDS).assertComplete();

    // An offset past every one the server gives: the wait runs out of time.
    Offset never = Offset.of("z");
    TestObserver<Void> waiting =
        client.awaitOffset(never, 200, MILLISECONDS).test().awaitDone(10, SECONDS);

    waiting.assertError(OffsetTimeoutException.class);
    OffsetTimeoutException error =
        (OffsetTimeoutException) dev.rstream.internal.http.TransportFixture.errorOf(waiting);
    assertThat(error).isInstanceOf(TransientException.class);
    assertThat(error.offset()).isEqualTo(never);
    assertThat(error.reached()).isEqualTo(written);
    assertThat(error.timeoutMillis()).isEqualTo(200);
    assertThat(error.url()).isEqualTo(url);
    assertThat(error.getMessage())
        .contains("did not reach offset z within 200 ms", written.value());
    live.cancel();
  }

  @Test
  void aNegativeTimeoutIsRefused() {
    RStreamClient client = client(LocalStore.inMemory());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> client.awaitOffset(Offset.START, -1, SECONDS))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
