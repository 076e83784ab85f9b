package dev.rstream.internal.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.RetryPolicy;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private static RetryPolicy policy(long seed) {
    return RetryPolicy.builder()
        .initialDelay(100, TimeUnit.MILLISECONDS)
        .maxDelay(1_000, TimeUnit.MILLISECONDS)
        .multiplier(2)
        .random(new Random(seed))
        .build();
  }

  @Test
  void delaysStayWithinTheExponentialBoundAndTheCap() {
    RetryPolicy policy = policy(42);
    long[] bounds = {100, 200, 400, 800, 1_000, 1_000, 1_000};
    for (int sample = 0; sample < 200; sample++) {
      for (int retry = 0; retry < bounds.length; retry++) {
        assertThat(policy.delayMillis(retry, 0)).isBetween(0L, bounds[retry]);
      }
    }
  }

  @Test
  void fullJitterSpreadsDelaysOverTheWholeRange() {
    RetryPolicy policy = policy(7);
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int i = 0; i < 1_000; i++) {
      long delay = policy.delayMillis(3, 0);
      min = Math.min(min, delay);
      max = Math.max(max, delay);
    }
    assertThat(min).isLessThan(80);
    assertThat(max).isGreaterThan(720);
  }

  @Test
  void sameSeedGivesSameDelays() {
    RetryPolicy a = policy(1);
    RetryPolicy b = policy(1);
    for (int retry = 0; retry < 10; retry++) {
      assertThat(a.delayMillis(retry, 0)).isEqualTo(b.delayMillis(retry, 0));
    }
  }

  @Test
  void retryAfterIsAFloorEvenAboveTheCap() {
    RetryPolicy policy = policy(3);
    for (int i = 0; i < 100; i++) {
      assertThat(policy.delayMillis(0, 5_000)).isEqualTo(5_000);
      assertThat(policy.delayMillis(5, 50)).isBetween(50L, 1_000L);
    }
  }

  @Test
  void hugeRetryNumbersDoNotOverflow() {
    assertThat(policy(5).delayMillis(10_000, 0)).isBetween(0L, 1_000L);
  }

  @Test
  void maxRetriesLimitsAttempts() {
    Recovery state = new Recovery(RetryPolicy.builder().maxRetries(2).build());
    RetryableFailure failure = new RetryableFailure("503", 503, 0, null);
    assertThat(state.onFailure(failure, 0)).isNotNegative();
    assertThat(state.onFailure(failure, 0)).isNotNegative();
    assertThat(state.onFailure(failure, 0)).isEqualTo(-1);
  }

  @Test
  void maxElapsedLimitsTheRunOfFailures() {
    Recovery state = new Recovery(RetryPolicy.builder().maxElapsed(10, TimeUnit.SECONDS).build());
    RetryableFailure failure = new RetryableFailure("network", 0, 0, null);
    assertThat(state.onFailure(failure, 1_000)).isNotNegative();
    assertThat(state.onFailure(failure, 10_999)).isNotNegative();
    assertThat(state.onFailure(failure, 11_000)).isEqualTo(-1);
  }

  @Test
  void progressStartsAFreshRunOfFailures() {
    Recovery state = new Recovery(RetryPolicy.builder().maxRetries(1).build());
    RetryableFailure failure = new RetryableFailure("503", 503, 0, null);
    assertThat(state.onFailure(failure, 0)).isNotNegative();
    state.onProgress();
    assertThat(state.onFailure(failure, 0)).isNotNegative();
    assertThat(state.onFailure(failure, 0)).isEqualTo(-1);
  }

  @Test
  void connectionHealthyForResetAfterStartsAFreshRun() {
    Recovery state =
        new Recovery(RetryPolicy.builder().maxRetries(1).resetAfter(60, TimeUnit.SECONDS).build());
    RetryableFailure failure = new RetryableFailure("network", 0, 0, null);
    assertThat(state.onFailure(failure, 0)).isNotNegative();
    state.onConnected(1_000);
    assertThat(state.onFailure(failure, 30_000)).isEqualTo(-1); // up only 29 s: no reset
    state.onConnected(40_000);
    assertThat(state.onFailure(failure, 100_000)).isNotNegative(); // up 60 s: reset
  }

  @Test
  void invalidOptionsAreRejectedNamingTheOption() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxRetries(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxRetries");
    assertThatThrownBy(() -> RetryPolicy.builder().initialDelay(0, TimeUnit.MILLISECONDS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("initialDelayMs");
    assertThatThrownBy(() -> RetryPolicy.builder().initialDelay(-100, TimeUnit.MILLISECONDS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("initialDelayMs");
    assertThatThrownBy(
            () ->
                RetryPolicy.builder()
                    .initialDelay(1_000, TimeUnit.MILLISECONDS)
                    .maxDelay(500, TimeUnit.MILLISECONDS)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxDelayMs");
    assertThatThrownBy(() -> RetryPolicy.builder().multiplier(0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("multiplier");
    assertThatThrownBy(() -> RetryPolicy.builder().multiplier(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("multiplier");
    assertThatThrownBy(() -> RetryPolicy.builder().maxElapsed(-1, TimeUnit.SECONDS))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void conformanceDefaultsAreAccepted() {
    RetryPolicy policy =
        RetryPolicy.builder()
            .maxRetries(3)
            .initialDelay(100, TimeUnit.MILLISECONDS)
            .maxDelay(5_000, TimeUnit.MILLISECONDS)
            .multiplier(2.0)
            .build();
    assertThat(policy.maxRetries()).isEqualTo(3);
    assertThat(policy.newBuilder().build().toString()).isEqualTo(policy.toString());
  }
}
