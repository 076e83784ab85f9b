package dev.rstream.internal.retry;

import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Offset;
import dev.rstream.RetryPolicy;
import dev.rstream.TransientException;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.schedulers.TestScheduler;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The decisions {@link Recovery} takes: which policy, which failure, which delay. */
class RecoveryTest {
  private static final RetryableFailure UNAVAILABLE =
      new RetryableFailure("HTTP 503", 503, 0, null);

  @Test
  void theDefaultLiveReconnectPolicyWaits100MsDoublingTo5sWithoutEnd() {
    Recovery recovery = new Recovery(Recovery.liveReconnectPolicy(null, null));
    long now = 0;
    for (long expected : new long[] {100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000}) {
      long delay = recovery.onFailure(0, now);
      assertThat(delay).isEqualTo(expected);
      now += delay;
    }
    assertThat(recovery.onFailure(0, 86_400_000))
        .as("still reconnecting a day later")
        .isEqualTo(5_000);
  }

  @Test
  void stallsBackOffLikeFailuresWhateverTheRetryLimitAndRunOutAfterMaxStalls() {
    Recovery recovery =
        new Recovery(Recovery.liveReconnectPolicy(null, null).newBuilder().maxRetries(0).build());
    long[] expected = {100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000, 5_000};
    assertThat(expected).hasSize(Recovery.MAX_STALLS);
    for (long delay : expected) assertThat(recovery.onStall()).isEqualTo(delay);
    assertThat(recovery.onStall()).as("no progress after MAX_STALLS").isEqualTo(-1);

    recovery.onAdvance();
    assertThat(recovery.onStall()).as("a fresh run after progress").isEqualTo(100);
    // A stall is not a failure: the failure run is untouched by it, and the other way round.
    recovery.onProgress();
    assertThat(recovery.stalls()).isEqualTo(1);
  }

  @Test
  void theLiveReconnectPolicyIsTheAppsElseNoneWhenItBoundedRetriesElseTheDefault() {
    RetryPolicy live = RetryPolicy.builder().maxRetries(7).build();
    RetryPolicy retry = RetryPolicy.builder().maxRetries(3).build();
    assertThat(Recovery.liveReconnectPolicy(retry, live)).isSameAs(live);
    assertThat(Recovery.liveReconnectPolicy(null, live)).isSameAs(live);
    assertThat(Recovery.liveReconnectPolicy(retry, null)).isSameAs(RetryPolicy.none());
    assertThat(Recovery.liveReconnectPolicy(null, null).maxRetries()).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void theOneShotPolicyIsTheAppsElseItsRetryPolicyElse30sOfRetrying() {
    RetryPolicy oneShot = RetryPolicy.builder().maxRetries(7).build();
    RetryPolicy retry = RetryPolicy.builder().maxRetries(3).build();
    assertThat(Recovery.oneShotPolicy(retry, oneShot)).isSameAs(oneShot);
    assertThat(Recovery.oneShotPolicy(retry, null)).isSameAs(retry);
    assertThat(Recovery.oneShotPolicy(null, null).maxElapsedMillis())
        .isEqualTo(Recovery.ONE_SHOT_RETRY_SECONDS * 1000);
  }

  @Test
  void aWaitGivesUpOnceItsBoundWouldNotAllowAnotherRetry() {
    RetryPolicy bound = RetryPolicy.builder().maxRetries(2).maxElapsed(10, SECONDS).build();
    assertThat(Recovery.exhausts(bound, 1, 0)).isFalse();
    assertThat(Recovery.exhausts(bound, 2, 9_999)).isFalse();
    assertThat(Recovery.exhausts(bound, 3, 0)).as("a third failure in a row").isTrue();
    assertThat(Recovery.exhausts(bound, 1, 10_000)).as("failing for 10 s").isTrue();
  }

  @Test
  void onlyStatusesARetryMayCureAreRetried() {
    for (int status : new int[] {408, 429, 500, 502, 503, 504, 599}) {
      assertThat(Recovery.isRetryableStatus(status)).as("%d", status).isTrue();
    }
    for (int status : new int[] {200, 400, 401, 403, 404, 409, 410, 501, 505}) {
      assertThat(Recovery.isRetryableStatus(status)).as("%d", status).isFalse();
    }
  }

  @Test
  void retryAfterIsReadAsSecondsOrAnHttpDate() {
    assertThat(Recovery.retryAfterMillis(null)).isZero();
    assertThat(Recovery.retryAfterMillis(" 3 ")).isEqualTo(3_000);
    assertThat(Recovery.retryAfterMillis("-1")).isZero();
    assertThat(Recovery.retryAfterMillis("soon")).isZero();
    String inAMinute =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(60));
    assertThat(Recovery.retryAfterMillis(inAMinute)).isBetween(55_000L, 60_000L);
  }

  @Test
  void retryAfterIsAFloorOnTheBackoff() {
    Recovery recovery = new Recovery(RetryPolicy.defaults());
    assertThat(recovery.onFailure(new RetryableFailure("HTTP 429", 429, 7_000, null), 0))
        .isEqualTo(7_000);
  }

  @Test
  void aRetriedSingleWaitsOnTheSchedulerAndFailsTypedWhenThePolicyGivesUp() {
    TestScheduler scheduler = new TestScheduler();
    AtomicInteger attempts = new AtomicInteger();
    Single<String> failing =
        Single.defer(
            () -> {
              attempts.incrementAndGet();
              return Single.error(UNAVAILABLE);
            });
    RetryPolicy policy =
        RetryPolicy.builder()
            .initialDelay(1, SECONDS)
            .maxDelay(1, SECONDS)
            .multiplier(1)
            .maxRetries(2)
            .build();

    TestObserver<String> call =
        Recovery.retrying(failing, policy, scheduler, "http://x/s", Offset.of("42")).test();
    assertThat(attempts).hasValue(1);
    scheduler.advanceTimeBy(2, SECONDS);
    assertThat(attempts).hasValue(3);

    call.assertError(
        e ->
            e instanceof TransientException
                && e.getMessage().startsWith("HTTP 503 (gave up after 2 retries) (http://x/s")
                && ((TransientException) e).status() == 503
                && Offset.of("42").equals(((TransientException) e).offset()));
  }

  @Test
  void aFailureThatIsNotRetryablePassesThroughAtOnce() {
    TestScheduler scheduler = new TestScheduler();
    IllegalStateException bug = new IllegalStateException("bug");
    Recovery.retrying(Single.error(bug), RetryPolicy.defaults(), scheduler, "http://x/s", null)
        .test()
        .assertError(bug);
  }

  @Test
  void aRetriedSingleSucceedsOnTheAttemptThatAnswers() {
    TestScheduler scheduler = new TestScheduler();
    AtomicInteger attempts = new AtomicInteger();
    Single<String> flaky =
        Single.defer(
            () -> attempts.incrementAndGet() < 3 ? Single.error(UNAVAILABLE) : Single.just("ok"));
    TestObserver<String> call =
        Recovery.retrying(flaky, RetryPolicy.defaults(), scheduler, "http://x/s", null).test();
    scheduler.advanceTimeBy(1, MINUTES); // two delays of the default policy, at most 300 ms
    call.assertValue("ok");
    assertThat(attempts).hasValue(3);
  }
}
