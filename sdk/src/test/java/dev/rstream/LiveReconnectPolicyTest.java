package dev.rstream;

import static java.util.concurrent.TimeUnit.HOURS;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.internal.window.GeneratedLog;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.schedulers.TestScheduler;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The live cursor reconnects after its read gave up as the builder's {@code liveReconnectPolicy}
 * says, on the client's scheduler: a {@link TestScheduler} shows each delay to the millisecond.
 */
@ExtendWith(UndeliveredRxErrors.class)
class LiveReconnectPolicyTest {
  private final TestScheduler scheduler = new TestScheduler();
  private FakeStateStream stream;
  private RStreamClient client;

  @BeforeEach
  void setUp() {
    stream = new FakeStateStream(new GeneratedLog(17, 10, 8));
  }

  @AfterEach
  void tearDown() {
    if (client != null) client.close();
    scheduler.triggerActions();
  }

  private RStreamClient.Builder builder() {
    return RStreamClient.builder()
        .source(stream)
        .scheduler(scheduler)
        .liveLinger(0, SECONDS)
        .clock(Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC));
  }

  /** The live read is up and caught up. */
  private TestSubscriber<StateView> subscribe() {
    TestSubscriber<StateView> live = client.live().test();
    scheduler.triggerActions();
    assertThat(stream.liveReaders()).isEqualTo(1);
    live.assertValueCount(1).assertNoErrors();
    return live;
  }

  private static TransientException gaveUp(String why) {
    return new TransientException(why, FakeStateStream.URL, null, 503, null);
  }

  /** The next read starts {@code delayMillis} from now, not a millisecond earlier. */
  private void assertNextReadAfter(long delayMillis) {
    int before = stream.reads.size();
    scheduler.advanceTimeBy(delayMillis - 1, MILLISECONDS);
    assertThat(stream.reads).as("reads before %d ms", delayMillis).hasSize(before);
    scheduler.advanceTimeBy(1, MILLISECONDS);
    assertThat(stream.reads).as("reads at %d ms", delayMillis).hasSize(before + 1);
  }

  /** Every delay is the policy's bound: no jitter. */
  private static Random top() {
    return new Random() {
      @Override
      public double nextDouble() {
        return Math.nextDown(1.0);
      }
    };
  }

  @Test
  void aConfiguredPolicySetsTheDelaysAndFailsSubscribersWhenItGivesUp() {
    RetryPolicy policy =
        RetryPolicy.builder()
            .initialDelay(2, SECONDS)
            .maxDelay(3, SECONDS)
            .multiplier(1.5)
            .maxRetries(2)
            .random(top())
            .build();
    client = builder().liveReconnectPolicy(policy).build();
    TestSubscriber<StateView> live = subscribe();
    TransientException last = gaveUp("still down");
    stream.failNextRead(gaveUp("down again"));
    stream.failNextRead(last);

    stream.dropLiveReaders(gaveUp("connection lost"));
    assertNextReadAfter(2_000); // fails at once: "down again"
    assertNextReadAfter(3_000); // fails at once: "still down", the third failure in a row

    live.assertError(last);
    int reads = stream.reads.size();
    scheduler.advanceTimeBy(1, HOURS);
    assertThat(stream.reads).as("no reconnect after the policy gave up").hasSize(reads);
    assertThat(client.progress().blockingFirst().live()).isEqualTo(Progress.Live.FAILED);
  }

  @Test
  void aBatchStartsAFreshRunOfReconnects() {
    RetryPolicy policy =
        RetryPolicy.builder()
            .initialDelay(1, SECONDS)
            .maxDelay(8, SECONDS)
            .maxRetries(1)
            .random(top())
            .build();
    client = builder().liveReconnectPolicy(policy).build();
    TestSubscriber<StateView> live = subscribe();

    stream.dropLiveReaders(gaveUp("connection lost"));
    assertNextReadAfter(1_000); // the reconnected read answers: the run is over
    assertThat(stream.liveReaders()).isEqualTo(1);
    stream.dropLiveReaders(gaveUp("lost again"));
    assertNextReadAfter(1_000); // the first delay again, not the second

    live.assertNoErrors();
    assertThat(stream.liveReaders()).isEqualTo(1);
  }

  @Test
  void byDefaultTheCursorReconnectsWithoutEndFrom100MsDoublingTo5s() {
    client = builder().build();
    TestSubscriber<StateView> live = subscribe();
    for (int i = 0; i < 9; i++) stream.failNextRead(gaveUp("down " + i));

    stream.dropLiveReaders(gaveUp("connection lost"));
    for (long delay : new long[] {100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000, 5_000}) {
      assertNextReadAfter(delay);
    }

    live.assertNoErrors();
    assertThat(stream.liveReaders()).isEqualTo(1);
  }

  @Test
  void withARetryPolicyAndNoReconnectPolicyTheFirstGiveUpFailsSubscribers() {
    client = builder().retryPolicy(RetryPolicy.builder().maxRetries(3).build()).build();
    TestSubscriber<StateView> live = subscribe();
    TransientException lost = gaveUp("connection lost");
    int reads = stream.reads.size();

    stream.dropLiveReaders(lost);
    scheduler.advanceTimeBy(1, HOURS);

    live.assertError(lost);
    assertThat(stream.reads).hasSize(reads);
  }

  private static OffsetGoneException gone(String why) {
    return new OffsetGoneException(why, FakeStateStream.URL, null, 410, null);
  }

  @Test
  void goneAgainBeforeTheRebuiltReadAnswersWaitsAsThePolicySaysThenRebuildsFromTheStart() {
    RetryPolicy policy =
        RetryPolicy.builder()
            .initialDelay(2, SECONDS)
            .maxDelay(3, SECONDS)
            .multiplier(1.5)
            .maxRetries(3)
            .random(top())
            .build();
    client = builder().liveReconnectPolicy(policy).build();
    TestSubscriber<StateView> live = subscribe();
    stream.failNextRead(gone("the oldest keyframe moved"));
    stream.failNextRead(gone("and again"));
    int reads = stream.reads.size();

    stream.dropLiveReaders(gone("retention"));
    // The first 410 rebuilds at once; the one that answers that read waits out the first delay.
    assertThat(stream.reads).as("the rebuild's read, at once").hasSize(reads + 1);
    assertNextReadAfter(2_000);
    assertNextReadAfter(3_000); // this one answers
    assertThat(new ArrayList<>(stream.reads).subList(reads, reads + 3))
        .as("every rebuild reads from -1: the oldest keyframe the server still serves")
        .allMatch(r -> r.offset().isStart(), "from -1");
    live.assertNoErrors();
    assertThat(stream.liveReaders()).isEqualTo(1);
    assertThat(client.progress().blockingFirst().liveRebuilds()).isEqualTo(3);
  }

  @Test
  void goneOnEveryReadFailsSubscribersOnceThePolicyGivesUpInsteadOfLooping() {
    RetryPolicy policy =
        RetryPolicy.builder().initialDelay(1, SECONDS).maxRetries(2).random(top()).build();
    client = builder().liveReconnectPolicy(policy).build();
    TestSubscriber<StateView> live = subscribe();
    for (int i = 0; i < 10; i++) stream.failNextRead(gone("gone " + i));
    int reads = stream.reads.size();

    stream.dropLiveReaders(gone("retention"));
    scheduler.advanceTimeBy(1, HOURS);

    // The rebuild's read at once, then one per allowed retry, and no more.
    assertThat(stream.reads).hasSize(reads + 3);
    live.assertError(OffsetGoneException.class);
    assertThat(client.progress().blockingFirst().live()).isEqualTo(Progress.Live.FAILED);
  }
}
