package dev.rstream.internal.retry;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import dev.rstream.Offset;
import dev.rstream.RetryPolicy;
import dev.rstream.TransientException;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Where the SDK recovers from failures: every decision whether a failure is tried again, after how
 * long, and when to give up, for every operation.
 *
 * <ul>
 *   <li><b>What is retried:</b> a {@link RetryableFailure} (a network error, a body cut short, or a
 *       status for which {@link #isRetryableStatus} holds); nothing else. A 401 is not a retry: the
 *       transport's {@code BearerAuth} renews the token inside the exchange, at no attempt's cost,
 *       and a token still refused fails at once.
 *   <li><b>How long to wait:</b> {@link #onFailure} applies the operation's {@link RetryPolicy}
 *       (backoff, its limits, {@linkplain #retryAfterMillis Retry-After} as a floor); {@link
 *       #onProgress} and {@link #onConnected} start a fresh run of failures.
 *   <li><b>A server that answers but never moves on:</b> {@link #onStall} backs off quick answers
 *       that moved the read nowhere, as a failure would, and after {@link #MAX_STALLS} in a row
 *       says the server is broken; {@link #onAdvance} starts afresh.
 *   <li><b>Which policy:</b> a request's is the app's {@code retryPolicy}; reads that end use
 *       {@link #oneShotPolicy}; the live cursor, once its read's own retries gave up, reconnects as
 *       {@link #liveReconnectPolicy} says.
 *   <li><b>Who asks:</b> the transport's read loop at each failed step (reads, catch-up and live),
 *       {@link #retrying} for single exchanges (create, head, append, close, delete), and the live
 *       cursor for its reconnects and its index reloads, and for when a one-shot wait on it
 *       {@linkplain #exhausts gives up}.
 * </ul>
 *
 * <p>An instance is the recovery of one operation: how many retries its current run of failures has
 * used and when that run began. Not thread-safe: the operation's own thread drives it.
 */
public final class Recovery {
  private static final Logger logger = Logger.getLogger(Recovery.class.getName());

  /** One-shot reads give up after retrying for this long, unless the app says otherwise. */
  public static final long ONE_SHOT_RETRY_SECONDS = 30;

  private static final RetryPolicy ONE_SHOT_DEFAULT =
      RetryPolicy.builder().maxElapsed(ONE_SHOT_RETRY_SECONDS, TimeUnit.SECONDS).build();

  /** Reconnects without end, 100 ms after the first failure, doubling up to 5 s, no jitter. */
  private static final RetryPolicy LIVE_RECONNECT_DEFAULT =
      RetryPolicy.builder()
          .initialDelay(100, MILLISECONDS)
          .maxDelay(5_000, MILLISECONDS)
          .random(new NoJitter())
          .build();

  /**
   * Quick answers in a row that moved the read nowhere (the same offset, no data), after which no
   * progress is the server's error.
   */
  public static final int MAX_STALLS = 10;

  private final RetryPolicy policy;
  private int stalls;
  private int retries;
  private long firstFailureAt = -1;
  private long healthySince = -1;

  public Recovery(RetryPolicy policy) {
    this.policy = policy;
  }

  /**
   * The policy of reads that end (windows, the index, the tail): {@code oneShot} if the app set
   * one, else its {@code retryPolicy} if set, else the default backoff for {@link
   * #ONE_SHOT_RETRY_SECONDS}.
   */
  public static RetryPolicy oneShotPolicy(
      @Nullable RetryPolicy retry, @Nullable RetryPolicy oneShot) {
    if (oneShot != null) return oneShot;
    return retry != null ? retry : ONE_SHOT_DEFAULT;
  }

  /**
   * How the live cursor reconnects after its read's retries gave up: {@code live} if the app set
   * it; else, if the app set a {@code retryPolicy}, not at all (an app that bounded its retries
   * wants to hear they ran out); else without end, 100 ms doubling up to 5 s.
   */
  public static RetryPolicy liveReconnectPolicy(
      @Nullable RetryPolicy retry, @Nullable RetryPolicy live) {
    if (live != null) return live;
    return retry != null ? RetryPolicy.none() : LIVE_RECONNECT_DEFAULT;
  }

  /**
   * Whether {@code failures} failures in a row over {@code elapsedMillis} are more than {@code
   * bound} allows: a one-shot wait on the live cursor, which retries by itself, gives up then.
   */
  public static boolean exhausts(RetryPolicy bound, int failures, long elapsedMillis) {
    return !bound.allows(failures - 1, elapsedMillis);
  }

  /** True for the statuses a retry may cure: 408, 429 and the 5xx other than 501 and 505. */
  public static boolean isRetryableStatus(int status) {
    return status == 408
        || status == 429
        || (status >= 500 && status <= 599 && status != 501 && status != 505);
  }

  /**
   * Retry-After as delta-seconds or an HTTP date (RFC 9110 10.2.3), in milliseconds from now; 0
   * when absent or invalid. {@link #onFailure} waits at least this long.
   */
  public static long retryAfterMillis(@Nullable String value) {
    if (value == null) return 0;
    String trimmed = value.trim();
    try {
      long seconds = Long.parseLong(trimmed);
      return seconds <= 0 ? 0 : Math.min(seconds, Long.MAX_VALUE / 1000) * 1000;
    } catch (NumberFormatException ignored) {
      // Not delta-seconds: try the date form.
    }
    try {
      ZonedDateTime date = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME);
      return Math.max(0, date.toInstant().toEpochMilli() - Instant.now().toEpochMilli());
    } catch (DateTimeParseException e) {
      return 0;
    }
  }

  /**
   * Whether {@code error} came from an attempt after a retried failure ({@link #retrying} marks
   * it): an earlier attempt may have reached the server though its answer was lost.
   */
  public static boolean afterRetry(Throwable error) {
    for (Throwable suppressed : error.getSuppressed()) {
      if (suppressed instanceof TransientException) return true;
    }
    return false;
  }

  /**
   * {@code source} retried on {@link RetryableFailure} as {@code policy} allows, each attempt after
   * its delay on {@code scheduler}; any other error passes through, carrying, after a retry, the
   * last retried failure as a suppressed {@link TransientException} (see {@link #afterRetry}). When
   * the policy gives up the error is a {@link TransientException} naming {@code url} and {@code
   * offset}.
   */
  public static <R> Single<R> retrying(
      Single<R> source,
      RetryPolicy policy,
      Scheduler scheduler,
      String url,
      @Nullable Offset offset) {
    return Single.defer(
        () -> {
          Recovery recovery = new Recovery(policy);
          RetryableFailure[] last = {null};
          return source.retryWhen(
              errors ->
                  errors.flatMap(
                      error -> {
                        if (!(error instanceof RetryableFailure)) {
                          RetryableFailure retried = last[0];
                          if (retried != null) {
                            error.addSuppressed(
                                new TransientException(
                                    "an earlier attempt failed: " + retried.getMessage(),
                                    url,
                                    offset,
                                    retried.status(),
                                    retried.getCause()));
                          }
                          return Flowable.error(error);
                        }
                        RetryableFailure failure = (RetryableFailure) error;
                        last[0] = failure;
                        long delay =
                            recovery.onFailure(failure, scheduler.now(MILLISECONDS), url, logger);
                        if (delay < 0) return Flowable.error(recovery.gaveUp(failure, url, offset));
                        return Flowable.timer(delay, MILLISECONDS, scheduler);
                      }));
        });
  }

  /**
   * Records a failure at {@code now} (milliseconds on the operation's clock) and returns the delay
   * before the next attempt, or -1 if the policy gives up.
   */
  public long onFailure(RetryableFailure failure, long now) {
    return onFailure(failure.retryAfterMillis(), now);
  }

  /**
   * As {@link #onFailure(RetryableFailure, long)}, and logs the retry to {@code log} (at FINE) as
   * {@code "<where>: <failure>, retry <n> in <delay> ms"}; nothing when the policy gives up.
   */
  public long onFailure(RetryableFailure failure, long now, String where, Logger log) {
    long delay = onFailure(failure, now);
    if (delay >= 0 && log.isLoggable(Level.FINE)) {
      log.fine(where + ": " + failure.getMessage() + ", retry " + retries + " in " + delay + " ms");
    }
    return delay;
  }

  /**
   * As {@link #onFailure(RetryableFailure, long)}, for a failure known only by the {@code
   * Retry-After} it asked for (0 when none).
   */
  public long onFailure(long retryAfterMillis, long now) {
    if (healthySince >= 0 && now - healthySince >= policy.resetAfterMillis()) reset();
    healthySince = -1;
    if (firstFailureAt < 0) firstFailureAt = now;
    if (!policy.allows(retries, now - firstFailureAt)) return -1;
    long delay = policy.delayMillis(retries, retryAfterMillis);
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

  /**
   * Records an answer that came at once and moved the read nowhere: a long-poll answered without
   * waiting, or a live connection that ended quickly without an advance. Returns the delay before
   * asking again, the policy's backoff for that many stalls in a row (whatever its retry limits:
   * the server answers, it is not failing), or -1 once {@link #MAX_STALLS} came in a row.
   */
  public long onStall() {
    if (stalls >= MAX_STALLS) return -1;
    return policy.delayMillis(stalls++, 0);
  }

  /** Records that the read moved on (a new offset, data, or the end): stalls count from zero. */
  public void onAdvance() {
    stalls = 0;
  }

  /** Stalls in the current run. */
  public int stalls() {
    return stalls;
  }

  /** Retries used in the current run of failures. */
  public int retries() {
    return retries;
  }

  /** The public exception for {@code failure}, on which the policy gave up. */
  public TransientException gaveUp(RetryableFailure failure, String url, @Nullable Offset offset) {
    return failure.toTransient(url, offset, " (gave up after " + retries + " retries)");
  }

  private void reset() {
    retries = 0;
    firstFailureAt = -1;
  }

  /** Draws the top of every interval: each delay is the policy's bound itself. */
  private static final class NoJitter extends Random {
    private static final long serialVersionUID = 1L;

    @Override
    public double nextDouble() {
      return Math.nextDown(1.0);
    }
  }
}
