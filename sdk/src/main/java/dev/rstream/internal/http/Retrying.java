package dev.rstream.internal.http;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import dev.rstream.Offset;
import dev.rstream.internal.retry.RetryState;
import dev.rstream.internal.retry.RetryableFailure;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/** Re-subscribes a single-exchange operation after transient failures, as the policy allows. */
public final class Retrying {
  private static final Logger logger = Logger.getLogger(Retrying.class.getName());

  private Retrying() {}

  /**
   * {@code source} retried on {@link RetryableFailure}; any other error passes through. The delays
   * run on the endpoint's scheduler. When the policy gives up the error is a {@code
   * TransientException}.
   */
  public static <R> Single<R> single(Single<R> source, StreamEndpoint endpoint,
      @Nullable Offset offset) {
    Scheduler scheduler = endpoint.scheduler();
    return Single.defer(() -> {
      RetryState state = new RetryState(endpoint.retryPolicy());
      return source.retryWhen(errors -> errors.flatMap(error -> {
        if (!(error instanceof RetryableFailure)) return Flowable.error(error);
        RetryableFailure failure = (RetryableFailure) error;
        long delay = state.onFailure(failure, scheduler.now(MILLISECONDS));
        if (delay < 0) {
          return Flowable.error(HttpFailures.gaveUp(failure, endpoint.displayUrl(), offset,
              state.retries()));
        }
        if (logger.isLoggable(Level.FINE)) {
          logger.fine(endpoint.displayUrl() + ": " + failure.getMessage() + ", retry "
              + state.retries() + " in " + delay + " ms");
        }
        return Flowable.timer(delay, MILLISECONDS, scheduler);
      }));
    });
  }
}
