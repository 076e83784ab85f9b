package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The network, the app's visibility and pause flap at random on another thread while batches, some
 * of them parts of a unit larger than a batch, are being applied: a hold that lands in the middle
 * of a batch waits for it, a cut unit is re-read once, and the live subscriber sees every change
 * exactly once, in order.
 */
@ExtendWith(UndeliveredRxErrors.class)
class LiveHoldRaceTest {
  final StubServerExtension server = StubServerExtension.inMemory();
  @RegisterExtension final ServerClients clients = new ServerClients(server);

  private RStreamClient writer;
  private RStreamClient reader;

  @BeforeEach
  void start() {
    String url = server.createStateStream("shop/orders", "changes=100000, interval=3600s");
    writer = clients.client(clients.onServer(url));
    reader =
        clients.client(
            clients
                .withoutLinger(url)
                .okHttpClient(server.newHttpClient())
                .liveTransport(LiveTransport.LONG_POLL)); // partial batches of a large unit
  }

  @RepeatedTest(2)
  void holdsFlappingWhileBatchesApplyLoseAndRepeatNothing() throws Exception {
    TestSubscriber<StateView> live = reader.live().test();
    LinkedStream.awaitLive(reader, Progress.Live.CONNECTED);
    live.awaitCount(1);

    AtomicBoolean flapping = new AtomicBoolean(true);
    AtomicInteger flaps = new AtomicInteger();
    Random random = new Random();
    Thread flapper =
        new Thread(
            () -> {
              Connectivity connectivity = reader.connectivity();
              while (flapping.get()) {
                switch (random.nextInt(6)) {
                  case 0:
                    connectivity.networkLost();
                    break;
                  case 1:
                    connectivity.networkAvailable();
                    break;
                  case 2:
                    connectivity.background();
                    break;
                  case 3:
                    connectivity.foreground();
                    break;
                  case 4:
                    reader.pause();
                    break;
                  default:
                    reader.resume();
                    break;
                }
                flaps.incrementAndGet();
                LockSupport.parkNanos(random.nextInt(3_000_000)); // up to 3 ms between flaps
              }
            },
            "flapper");
    flapper.start();
    List<String> expected = new ArrayList<>();
    Offset last = null;
    try {
      for (int unit = 0; unit < 18; unit++) {
        int size = unit % 6 == 5 ? 1_500 : 1 + random.nextInt(4);
        List<Change> changes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
          Change change = ReferenceChanges.numbered(expected.size());
          changes.add(change);
          expected.add(change.value());
        }
        last = writer.append(changes).timeout(10, SECONDS).blockingGet();
      }
    } finally {
      flapping.set(false);
      flapper.join();
    }
    reader.connectivity().foreground();
    reader.connectivity().networkAvailable();
    reader.resume();

    List<String> seen = new ArrayList<>();
    for (Change change : LiveViews.changesThrough(live, last)) seen.add(change.value());
    assertThat(flaps.get()).isPositive();
    assertThat(seen).hasSize(expected.size()).isEqualTo(expected);
    live.assertNoErrors().assertNotComplete();
  }
}
