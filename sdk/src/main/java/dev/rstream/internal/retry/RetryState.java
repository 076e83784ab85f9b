package dev.rstream.internal.retry;

import dev.rstream.RetryPolicy;

/**
 * The retry bookkeeping of one operation (one read, one append): how many retries this run of
 * failures has used and when it began. Not thread-safe: the operation's own thread drives it.
 */
public final class RetryState {
  private final RetryPolicy policy;
  private int retries;
  private long firstFailureAt = -1;
  private long healthySince = -1;

  public RetryState(RetryPolicy policy) {
    this.policy = policy;
  }

  /**
   * Records a failure at {@code now} (milliseconds on the operation's clock) and returns the delay
   * before the next attempt, or -1 if the policy gives up.
   */
  public long onFailure(RetryableFailure failure, long now) {
    if (healthySince >= 0 && now - healthySince >= policy.resetAfterMillis()) reset();
    healthySince = -1;
    if (firstFailureAt < 0) firstFailureAt = now;
    if (!policy.allows(retries, now - firstFailureAt)) return -1;
    long delay = policy.delayMillis(retries, failure.retryAfterMillis());
    retries++;
    return delay;
  }

  /**
   * Records that the operation made progress (delivered data or completed a request): the next
   * failure starts a fresh run.
   */
  public void onProgress() {
    reset();
  }

  /**
   * Records that a connection is up as of {@code now}; if it is still up {@link
   * RetryPolicy#resetAfterMillis()} later when it fails, that failure starts a fresh run.
   */
  public void onConnected(long now) {
    if (healthySince < 0) healthySince = now;
  }

  /** Retries used in the current run of failures. */
  public int retries() {
    return retries;
  }

  private void reset() {
    retries = 0;
    firstFailureAt = -1;
  }
}
