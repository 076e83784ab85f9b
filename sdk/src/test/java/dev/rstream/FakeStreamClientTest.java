package dev.rstream;

import dev.rstream.internal.window.GeneratedLog;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the client tests over a {@link FakeStateStream} share: a fresh generated log and its fake
 * stream per test (a test may replace both before building a client), clients closed after the
 * test, and undelivered Rx errors failing it.
 */
@ExtendWith(UndeliveredRxErrors.class)
abstract class FakeStreamClientTest {
  @RegisterExtension final FakeStreamClients clients = new FakeStreamClients();
  GeneratedLog log = new GeneratedLog(17, 10, 8);
  FakeStateStream stream = new FakeStateStream(log);

  /** A live subscription to {@code client} that has its first view, the state it caught up to. */
  static TestSubscriber<StateView> caughtUpLive(RStreamClient client) {
    TestSubscriber<StateView> live = client.live().test();
    live.awaitCount(1);
    return live;
  }

  /** The last view {@code views} has received. */
  static StateView latest(TestSubscriber<StateView> views) {
    List<StateView> values = views.values();
    return values.get(values.size() - 1);
  }
}
