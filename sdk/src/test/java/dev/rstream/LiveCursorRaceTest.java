package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.RecordingHttp;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.disposables.Disposable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many subscribers attach to and detach from {@link RStreamClient#live()} at random on several
 * threads while changes stream in: one live connection at a time, and every subscriber sees a
 * gap-free run of the server's log.
 */
@ExtendWith(UndeliveredRxErrors.class)
class LiveCursorRaceTest {
  private static final int THREADS = 4;
  private static final int SUBSCRIBERS = 1_000;

  @RegisterExtension final StubServerExtension server = StubServerExtension.inMemory();

  private LinkedStream stream;
  private RStreamClient client;

  @BeforeEach
  void start() throws Exception {
    stream = LinkedStream.create(server);
    client = stream.reader(LocalStore.inMemory(), RetryPolicy.defaults());
  }

  @AfterEach
  void stop() {
    stream.close();
  }

  @RepeatedTest(3)
  void randomAttachAndDetachKeepOneConnectionAndGapFreeRunsAfterTheFirstState() throws Exception {
    churn(false);
  }

  /**
   * The live() contract says "the current state, then a new state after every change", also for a
   * subscriber that reopens the connection: it first gets the held (stale) live state, then one
   * state per change while the cursor catches up, never a jump.
   */
  @RepeatedTest(3)
  void randomAttachAndDetachGiveEverySubscriberAGapFreeRunFromItsFirstState() throws Exception {
    churn(true);
  }

  private void churn(boolean strictFromFirst) throws Exception {
    // The server's log, in order: the state before any change, then the offset each append
    // returned.
    List<Offset> log = new CopyOnWriteArrayList<>();
    log.add(client.live().timeout(10, SECONDS).blockingFirst().offset());
    List<List<StateView>> runs = new CopyOnWriteArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    AtomicBoolean churning = new AtomicBoolean(true);
    ExecutorService threads = Executors.newFixedThreadPool(THREADS + 1);
    try {
      Future<?> writer =
          threads.submit(
              () -> {
                int i = 0;
                while (churning.get() || i < 20) {
                  log.add(
                      client
                          .append(
                              Change.builder()
                                  .operation(Change.Operation.UPDATE)
                                  .type("order")
                                  .key("o" + (i % 7))
                                  .value("{\"n\":" + i + "}")
                                  .build())
                          .timeout(10, SECONDS)
                          .blockingGet());
                  i++;
                }
                return null;
              });
      CountDownLatch done = new CountDownLatch(THREADS);
      for (int t = 0; t < THREADS; t++) {
        long seed = t;
        threads.submit(
            () -> {
              Random random = new Random(seed);
              try {
                for (int s = 0; s < SUBSCRIBERS / THREADS; s++) {
                  List<StateView> run = new CopyOnWriteArrayList<>();
                  CountDownLatch first = new CountDownLatch(1);
                  CountDownLatch second = new CountDownLatch(2);
                  Disposable d =
                      client
                          .live()
                          .subscribe(
                              v -> {
                                run.add(v);
                                first.countDown();
                                second.countDown();
                              },
                              errors::add);
                  // Detach at a random point: at once, after the first state, or after a change
                  // arrived live.
                  int when = random.nextInt(3);
                  if (when >= 1) {
                    assertThat(first.await(10, SECONDS))
                        .as("a subscriber gets the current state")
                        .isTrue();
                    for (int spin = random.nextInt(2_000); spin > 0; spin--) Thread.onSpinWait();
                  }
                  if (when == 2)
                    assertThat(second.await(10, SECONDS)).as("a subscriber gets a change").isTrue();
                  d.dispose();
                  runs.add(run);
                }
              } catch (Throwable e) {
                errors.add(e);
              } finally {
                done.countDown();
              }
              return null;
            });
      }
      assertThat(done.await(60, SECONDS)).as("churn ends").isTrue();
      churning.set(false);
      writer.get(30, SECONDS);
    } finally {
      churning.set(false);
      threads.shutdownNow();
    }

    assertThat(errors).as("subscriber errors").isEmpty();
    assertThat(runs).hasSize(SUBSCRIBERS);
    RecordingHttp http = stream.http();
    assertThat(http.liveReadsStarted()).as("live calls made").isPositive();
    assertThat(http.mostLiveReadsOpen())
        .as("live connections open at once (of %s live calls)", http.liveReadsStarted())
        .isEqualTo(1);
    Map<Offset, Integer> position = new HashMap<>();
    for (int i = 0; i < log.size(); i++) position.put(log.get(i), i);
    assertThat(position).as("the server's offsets are distinct").hasSize(log.size());
    int nonEmpty = 0;
    for (List<StateView> run : new ArrayList<>(runs)) {
      if (run.isEmpty()) continue;
      nonEmpty++;
      Integer at = position.get(run.get(0).offset());
      assertThat(at).as("first state %s is in the server's log", run.get(0).offset()).isNotNull();
      for (int k = 1; k < run.size(); k++) {
        StateView view = run.get(k);
        Integer now = position.get(view.offset());
        assertThat(now).as("state %s is in the server's log", view.offset()).isNotNull();
        if (k == 1 && !strictFromFirst) {
          // The first state may be the stale one held from the last connection (see the disabled
          // test).
          assertThat(now)
              .as("state %s after %s", view.offset(), run.get(0).offset())
              .isGreaterThan(at);
          at = now - 1;
        }
        assertThat(now)
            .as("state %s follows %s with no gap", view.offset(), run.get(k - 1).offset())
            .isEqualTo(at + k);
        assertThat(view.change()).as("a state after the first carries its change").isNotNull();
        assertThat(view.change().offset())
            .as("its change's offset follows the previous state")
            .isGreaterThan(run.get(k - 1).offset());
      }
    }
    assertThat(nonEmpty).as("subscribers that saw states").isGreaterThan(SUBSCRIBERS / 4);
  }
}
