package dev.rstream;

import static dev.rstream.FakeStreamClients.asMap;
import static dev.rstream.FakeStreamClients.await;
import static dev.rstream.FakeStreamClients.builder;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The window set as {@code windows()} publishes it: fetches past the parallel limit wait as
 * pending, a failed window is shown then dropped, and a subscriber may block on the client from its
 * callback without a deadlock.
 */
class RStreamClientWindowSetTest extends FakeStreamClientTest {
  private final BlockingQueue<List<WindowInfo>> sets = new LinkedBlockingQueue<>();
  private final BlockingQueue<Object> fromCallback = new LinkedBlockingQueue<>();

  @Test
  void windowsBeyondTheParallelLimitWaitAsPending() throws Exception {
    RStreamClient client = clients.client(builder(stream).maxParallelFetches(2));
    Disposable d = client.windows().subscribe(sets::add);
    stream.closeGate();
    List<TestSubscriber<StateView>> waiting = new ArrayList<>();
    for (int k = 0; k < 4; k++) waiting.add(client.window(log.inside(k)).test());
    List<WindowInfo> set = awaitSet(sets, s -> s.size() == 4 && count(s, WindowState.PULLING) == 2);
    assertThat(count(set, WindowState.PENDING)).isEqualTo(2);
    stream.openGate(); // releases the two started; the others start, pass the open gate
    for (TestSubscriber<StateView> subscriber : waiting)
      subscriber.awaitDone(20, SECONDS).assertComplete();
    awaitSet(sets, s -> s.size() == 4 && count(s, WindowState.COMMITTED) == 4);
    assertThat(stream.reads).hasSize(4);
    d.dispose();
  }

  private static long count(List<WindowInfo> set, WindowState state) {
    return set.stream().filter(w -> w.state() == state).count();
  }

  private static List<WindowInfo> awaitSet(
      BlockingQueue<List<WindowInfo>> sets, Predicate<List<WindowInfo>> condition)
      throws InterruptedException {
    while (true) {
      List<WindowInfo> set = sets.poll(5, SECONDS);
      assertThat(set).as("window set in time").isNotNull();
      if (condition.test(set)) return set;
    }
  }

  @Test
  void aWindowSetSubscriberMayBlockOnTheClientWithoutDeadlock() throws Exception {
    RStreamClient client = clients.client(builder(stream));
    Disposable d = askForTheSecondWindowInCallback(client, set -> !set.isEmpty());
    StateView first = await(client.window(log.inside(0)));
    assertThat(asMap(first)).isEqualTo(log.replayTo(log.inside(0)));
    assertSecondWindowCameToTheCallback();
    d.dispose();
  }

  @Test
  void aWindowSetSubscriberMayWaitForAWindowThatNeedsTheSlotOfTheWindowJustCommitted()
      throws Exception {
    RStreamClient client = clients.client(builder(stream).maxParallelFetches(1));
    // Told on the thread that committed the first window, the one slot's holder.
    Disposable d =
        askForTheSecondWindowInCallback(client, set -> count(set, WindowState.COMMITTED) == 1);
    stream.closeGate();
    TestSubscriber<StateView> first = client.window(log.inside(0)).test();
    awaitSet(sets, s -> count(s, WindowState.PULLING) == 1);
    java.util.concurrent.ExecutorService opener =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    opener.execute(stream::openGate); // the read completes, and the callback blocks, over there
    assertSecondWindowCameToTheCallback();
    first.awaitDone(5, SECONDS).assertComplete();
    opener.shutdown();
    d.dispose();
  }

  @Test
  void aWindowSetSubscriberMayWaitForAWindowThatNeedsTheSlotOfTheWindowStartingToPull()
      throws Exception {
    // Fetches start only once the request has returned, so the PULLING set goes out on the
    // thread that took the one slot, not on this one.
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newCachedThreadPool();
    io.reactivex.rxjava3.core.Scheduler held =
        io.reactivex.rxjava3.schedulers.Schedulers.from(
            task ->
                pool.execute(
                    () -> {
                      try {
                        go.await();
                      } catch (InterruptedException e) {
                        return; // the pool is shutting down
                      }
                      task.run();
                    }));
    RStreamClient client = clients.client(builder(stream).scheduler(held).maxParallelFetches(1));
    Disposable d =
        askForTheSecondWindowInCallback(client, set -> count(set, WindowState.PULLING) == 1);
    TestSubscriber<StateView> first = client.window(log.inside(0)).test();
    go.countDown();
    assertSecondWindowCameToTheCallback();
    first.awaitDone(5, SECONDS).assertComplete();
    d.dispose();
    pool.shutdownNow();
  }

  /**
   * Subscribes to the window set, recording each set in {@link #sets}; the first set that {@code
   * when} accepts asks for the second window from inside the callback and waits for it there.
   */
  private Disposable askForTheSecondWindowInCallback(
      RStreamClient client, Predicate<List<WindowInfo>> when) {
    AtomicBoolean asked = new AtomicBoolean();
    return client
        .windows()
        .subscribe(
            set -> {
              sets.add(set);
              if (when.test(set) && asked.compareAndSet(false, true)) {
                fromCallback.add(waitInCallback(client.window(log.inside(1))));
              }
            });
  }

  private void assertSecondWindowCameToTheCallback() throws InterruptedException {
    Object second = fromCallback.poll(10, SECONDS);
    assertThat(second)
        .as("the second window, asked for inside the callback")
        .isInstanceOf(StateView.class);
    assertThat(asMap((StateView) second)).isEqualTo(log.replayTo(log.inside(1)));
  }

  /** Blocks for {@code view}'s last state; a timeout comes back as the exception, not thrown. */
  private static Object waitInCallback(Flowable<StateView> view) {
    try {
      return view.timeout(5, SECONDS).blockingLast();
    } catch (RuntimeException e) {
      return e;
    }
  }

  @Test
  void failedWindowIsReportedThenRemovedSoALaterRequestRetries() throws Exception {
    RStreamClient client = clients.client(builder(stream));
    Disposable d = client.windows().subscribe(sets::add);
    stream.failNextRead(new ProtocolException("broken", FakeStateStream.URL, null, 200, null));
    client.window(log.inside(1)).test().awaitDone(5, SECONDS).assertError(ProtocolException.class);
    awaitSet(sets, s -> count(s, WindowState.FAILED) == 1);
    awaitSet(sets, List::isEmpty);

    StateView view = await(client.window(log.inside(1)));
    assertThat(asMap(view)).isEqualTo(log.replayTo(log.inside(1)));
    assertThat(stream.reads).hasSize(2);
    d.dispose();
  }
}
