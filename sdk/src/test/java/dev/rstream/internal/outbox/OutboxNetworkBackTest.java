package dev.rstream.internal.outbox;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Change;
import dev.rstream.LocalStore;
import dev.rstream.Offset;
import dev.rstream.RStreamEventListener;
import dev.rstream.RetryPolicy;
import dev.rstream.TransientException;
import dev.rstream.durable.AppendResult;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.schedulers.TestScheduler;
import io.reactivex.rxjava3.subjects.SingleSubject;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A sign of the network ({@link Outbox#online}) that comes while a send is still on its way: if
 * that send then fails (it went out on the network that was gone), the outbox sends again at once
 * and counts the failures after as a new run, instead of waiting out the backoff its failures so
 * far had grown to. On a test scheduler, each send answered by hand.
 */
class OutboxNetworkBackTest {
  private static final String URL = "http://127.0.0.1:1/v1/stream/network-back";
  // Without jitter: 1 s, doubling up to 10 minutes.
  private static final RetryPolicy BACKOFF =
      RetryPolicy.builder()
          .initialDelay(1_000, MILLISECONDS)
          .maxDelay(10, MINUTES)
          .random(
              new Random() {
                @Override
                public double nextDouble() {
                  return Math.nextDown(1.0);
                }
              })
          .build();

  private final TestScheduler time = new TestScheduler();
  private final List<SingleSubject<AppendResult>> sends = new ArrayList<>();
  private final List<Long> delays = new ArrayList<>();
  private final RStreamEventListener events =
      new RStreamEventListener() {
        @Override
        public void outboxRetryScheduled(long delayMillis, int attempt, Throwable cause) {
          delays.add(delayMillis);
        }
      };
  private final Outbox outbox = Outboxes.inMemory(URL);
  private final OutboxLink link =
      new OutboxLink(
          entry -> {
            SingleSubject<AppendResult> send = SingleSubject.create();
            sends.add(send);
            return send;
          },
          () -> {
            throw new AssertionError("no tail");
          },
          BACKOFF,
          time,
          events);
  private TestObserver<AppendResult> answer;

  @BeforeEach
  void appendWhileTheNetworkIsGone() {
    answer = outbox.append(List.of(Change.update("item", "k", "{\"n\":1}"))).test();
    outbox.attach(link);
    // Offline long enough for the backoff to reach its cap: 1 s, 2 s, ... 512 s, then 10 minutes.
    for (int i = 0; i < 10; i++) {
      failLastSend();
      time.advanceTimeBy(delays.get(delays.size() - 1), MILLISECONDS);
    }
    assertThat(sends).as("sent once, then after each wait").hasSize(11);
    assertThat(delays.get(delays.size() - 1)).isEqualTo(512_000L);
  }

  @AfterEach
  void release() {
    Outboxes.release(LocalStore.inMemory(), URL, outbox, link);
  }

  @Test
  void theNetworkBackWhileASendIsFailingSendsAgainAtOnceNotAfterTheBackoff() {
    outbox.online(); // the send in flight went out on the network that is gone
    failLastSend();
    time.triggerActions();

    assertThat(sends).as("sent again at once").hasSize(12);
    assertThat(delays.get(delays.size() - 1)).as("the retry the listener hears of").isZero();

    sends.get(11).onSuccess(acknowledged());
    answer.assertValueCount(1);
  }

  @Test
  void aFailureAfterTheNetworkCameBackStartsANewRunOfBackoffNotABusyLoop() {
    outbox.online();
    failLastSend();
    time.triggerActions();
    assertThat(sends).hasSize(12);

    failLastSend(); // still down, and no new sign: the first delay of a new run
    time.advanceTimeBy(999, MILLISECONDS);
    assertThat(sends).as("no busy loop").hasSize(12);
    assertThat(delays.get(delays.size() - 1)).isEqualTo(1_000L);
    time.advanceTimeBy(1, MILLISECONDS);
    assertThat(sends).hasSize(13);

    failLastSend();
    time.advanceTimeBy(1_999, MILLISECONDS);
    assertThat(sends).as("and the run grows as the policy says").hasSize(13);
    time.advanceTimeBy(1, MILLISECONDS);
    assertThat(sends).hasSize(14);
  }

  @Test
  void aSignBeforeASendThatSucceedsIsNotKeptForALaterFailure() {
    outbox.online();
    sends.get(10).onSuccess(acknowledged());
    answer.assertValueCount(1);
    TestObserver<AppendResult> next =
        outbox.append(List.of(Change.update("item", "k", "{\"n\":2}"))).test();

    failLastSend();
    time.triggerActions();

    assertThat(sends).as("the first failure of a new run waits").hasSize(12);
    assertThat(delays.get(delays.size() - 1)).isEqualTo(1_000L);
    time.advanceTimeBy(1_000, MILLISECONDS);
    sends.get(12).onSuccess(acknowledged());
    next.assertValueCount(1);
  }

  private void failLastSend() {
    sends.get(sends.size() - 1).onError(new TransientException("network down", URL, null, 0, null));
  }

  private static AppendResult acknowledged() {
    return AppendResult.builder().status(200).nextOffset(Offset.of("0000000000000001")).build();
  }
}
