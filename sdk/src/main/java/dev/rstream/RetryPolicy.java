package dev.rstream;

import static java.util.Objects.requireNonNull;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * When to retry a request that failed for a transient reason (network error, truncated body, 429,
 * 5xx): exponential backoff with full jitter, capped, with {@code Retry-After} as a floor, bounded
 * by a number of retries and/or a total elapsed time.
 *
 * <p>Immutable and thread-safe; one policy serves any number of operations, each keeping its own
 * attempt count. A live read that stayed healthy for {@link #resetAfterMillis()} starts counting
 * from zero again on its next failure.
 */
public final class RetryPolicy {
  private static final RetryPolicy DEFAULT = builder().build();
  private static final RetryPolicy NONE = builder().maxRetries(0).build();

  private final int maxRetries;
  private final long initialDelayMillis;
  private final long maxDelayMillis;
  private final double multiplier;
  private final long maxElapsedMillis;
  private final long resetAfterMillis;
  private final Random random;

  private RetryPolicy(Builder builder) {
    this.maxRetries = builder.maxRetries;
    this.initialDelayMillis = builder.initialDelayMillis;
    this.maxDelayMillis = builder.maxDelayMillis;
    this.multiplier = builder.multiplier;
    this.maxElapsedMillis = builder.maxElapsedMillis;
    this.resetAfterMillis = builder.resetAfterMillis;
    this.random = builder.random;
  }

  /**
   * The default: unlimited retries, 100 ms initial delay doubling up to 30 s, reset after 60 s of
   * health, no elapsed-time limit.
   */
  public static RetryPolicy defaults() {
    return DEFAULT;
  }

  /** Never retries: the first transient failure is reported. */
  public static RetryPolicy none() {
    return NONE;
  }

  /** A builder with the {@linkplain #defaults() default} settings. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this policy. */
  public Builder newBuilder() {
    return new Builder(this);
  }

  /** The most retries after the first attempt; {@link Integer#MAX_VALUE} means no limit. */
  public int maxRetries() {
    return maxRetries;
  }

  /** The upper bound of the first delay, in milliseconds. */
  public long initialDelayMillis() {
    return initialDelayMillis;
  }

  /** The cap on the upper bound of any delay, in milliseconds. */
  public long maxDelayMillis() {
    return maxDelayMillis;
  }

  /** The factor the upper bound grows by after each failed retry. */
  public double multiplier() {
    return multiplier;
  }

  /** The longest time from the first failure to the last retry, in ms; 0 for no limit. */
  public long maxElapsedMillis() {
    return maxElapsedMillis;
  }

  /** How long a connection must stay healthy for the attempt count to reset, in milliseconds. */
  public long resetAfterMillis() {
    return resetAfterMillis;
  }

  /**
   * Returns true if a retry numbered {@code retry} (0 for the first retry) may start {@code
   * elapsedMillis} after the first failure of this run of failures.
   */
  public boolean allows(int retry, long elapsedMillis) {
    if (retry >= maxRetries) return false;
    return maxElapsedMillis == 0 || elapsedMillis < maxElapsedMillis;
  }

  /**
   * The delay before retry number {@code retry} (0 for the first): uniformly random in {@code [0,
   * min(maxDelay, initialDelay * multiplier^retry)]} ("full jitter", so that clients that failed
   * together do not retry together), but never less than {@code retryAfterMillis} (the server's
   * {@code Retry-After}, 0 when it sent none).
   */
  public long delayMillis(int retry, long retryAfterMillis) {
    if (retry < 0) throw new IllegalArgumentException("retry < 0: " + retry);
    double bound = initialDelayMillis * Math.pow(multiplier, retry);
    long cap = bound >= maxDelayMillis ? maxDelayMillis : (long) bound;
    long jittered;
    synchronized (random) {
      jittered = (long) (random.nextDouble() * (cap + 1));
    }
    return Math.max(Math.min(jittered, cap), Math.max(0, retryAfterMillis));
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxRetries="
        + maxRetries
        + ", initialDelayMs="
        + initialDelayMillis
        + ", maxDelayMs="
        + maxDelayMillis
        + ", multiplier="
        + multiplier
        + ", maxElapsedMs="
        + maxElapsedMillis
        + ", resetAfterMs="
        + resetAfterMillis
        + "}";
  }

  /**
   * Builds a {@link RetryPolicy}. Single values are checked as they are set, relations between them
   * (the cap not below the initial delay) by {@link #build()}; both throw {@link
   * IllegalArgumentException} naming the option.
   */
  public static final class Builder {
    private int maxRetries = Integer.MAX_VALUE;
    private long initialDelayMillis = 100;
    private long maxDelayMillis = 30_000;
    private double multiplier = 2.0;
    private long maxElapsedMillis = 0;
    private long resetAfterMillis = 60_000;
    private Random random = new Random();

    Builder() {}

    Builder(RetryPolicy policy) {
      maxRetries = policy.maxRetries;
      initialDelayMillis = policy.initialDelayMillis;
      maxDelayMillis = policy.maxDelayMillis;
      multiplier = policy.multiplier;
      maxElapsedMillis = policy.maxElapsedMillis;
      resetAfterMillis = policy.resetAfterMillis;
      random = policy.random;
    }

    /**
     * The most retries after the first attempt; 0 disables retries. By default {@link
     * Integer#MAX_VALUE}: no limit.
     */
    public Builder maxRetries(int maxRetries) {
      if (maxRetries < 0) {
        throw new IllegalArgumentException("maxRetries must be >= 0: " + maxRetries);
      }
      this.maxRetries = maxRetries;
      return this;
    }

    /** The upper bound of the first delay; must be positive. 100 ms by default. */
    public Builder initialDelay(long delay, TimeUnit unit) {
      requireNonNull(unit, "unit == null");
      if (delay <= 0) {
        throw new IllegalArgumentException("initialDelayMs must be > 0: " + unit.toMillis(delay));
      }
      this.initialDelayMillis = unit.toMillis(delay);
      return this;
    }

    /** The cap on any delay; must be positive and not below the initial delay. 30 s by default. */
    public Builder maxDelay(long delay, TimeUnit unit) {
      requireNonNull(unit, "unit == null");
      if (delay <= 0) {
        throw new IllegalArgumentException("maxDelayMs must be > 0: " + unit.toMillis(delay));
      }
      this.maxDelayMillis = unit.toMillis(delay);
      return this;
    }

    /** The growth factor of the delay bound; at least 1 (constant delays). 2 by default. */
    public Builder multiplier(double multiplier) {
      if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
        throw new IllegalArgumentException("multiplier must be >= 1.0: " + multiplier);
      }
      this.multiplier = multiplier;
      return this;
    }

    /** The longest time spent retrying one run of failures; 0 (the default) for no limit. */
    public Builder maxElapsed(long time, TimeUnit unit) {
      requireNonNull(unit, "unit == null");
      if (time < 0) {
        throw new IllegalArgumentException("maxElapsedMs must be >= 0: " + unit.toMillis(time));
      }
      this.maxElapsedMillis = unit.toMillis(time);
      return this;
    }

    /** How long a live connection must stay healthy to reset the attempt count; 60 s by default. */
    public Builder resetAfter(long time, TimeUnit unit) {
      requireNonNull(unit, "unit == null");
      if (time < 0) {
        throw new IllegalArgumentException("resetAfterMs must be >= 0: " + unit.toMillis(time));
      }
      this.resetAfterMillis = unit.toMillis(time);
      return this;
    }

    /** The source of jitter; a seeded {@link Random} makes delays reproducible in tests. */
    public Builder random(Random random) {
      this.random = requireNonNull(random, "random == null");
      return this;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalArgumentException if the max delay is below the initial delay.
     */
    public RetryPolicy build() {
      if (maxDelayMillis < initialDelayMillis) {
        throw new IllegalArgumentException(
            "maxDelayMs ("
                + maxDelayMillis
                + ") must be >= initialDelayMs ("
                + initialDelayMillis
                + ")");
      }
      return new RetryPolicy(this);
    }
  }
}
