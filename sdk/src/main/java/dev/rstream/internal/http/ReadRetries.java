package dev.rstream.internal.http;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.internal.retry.Recovery;
import dev.rstream.internal.retry.RetryableFailure;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * How one read waits after a failure or a stall: the delay comes from its {@link Recovery} (the
 * app's {@link dev.rstream.RetryPolicy}); each retry is logged and told to the {@link
 * RetryListener}, which hears once, when the server answers again, that it recovered. Too many
 * stalls in a row are a {@link ProtocolException}. Used on the read's thread only.
 */
final class ReadRetries {
  // Under the read loop's name: one logger for everything a read reports.
  private static final Logger logger = Logger.getLogger(ReadLoop.class.getName());

  private final StreamEndpoint endpoint;
  private final Recovery recovery;
  private final @Nullable RetryListener listener;

  /** Whether the listener heard a retry and has not yet heard the server answer again. */
  private boolean retrying;

  ReadRetries(StreamEndpoint endpoint, Recovery recovery, @Nullable RetryListener listener) {
    this.endpoint = endpoint;
    this.recovery = recovery;
    this.listener = listener;
  }

  /**
   * The delay before the request after {@code failure} at {@code offset}, or -1 when the policy
   * gives up ({@link Recovery#gaveUp} is the error then).
   */
  long delayAfter(RetryableFailure failure, Offset offset) {
    long now = endpoint.scheduler().now(MILLISECONDS);
    long delay = recovery.onFailure(failure, now, endpoint.displayUrl() + " at " + offset, logger);
    if (delay < 0) return -1;
    RetryListener heard = listener;
    if (heard != null) {
      retrying = true;
      heard.retrying(failure, delay);
    }
    return delay;
  }

  /** Tells the listener, once per run of retries, that the server answers again. */
  void answered() {
    RetryListener heard = listener;
    if (retrying && heard != null) {
      retrying = false;
      heard.recovered();
    }
  }

  /**
   * The delay before asking again after a stall at {@code offset} (an answer, with {@code status},
   * that moved the read nowhere).
   *
   * @throws ProtocolException after too many stalls in a row.
   */
  long stall(int status, Offset offset) throws ProtocolException {
    long delay = recovery.onStall();
    if (delay < 0) {
      throw new ProtocolException(
          "no progress: the server answered "
              + Recovery.MAX_STALLS
              + " times in a row at once without moving on from offset "
              + offset,
          endpoint.displayUrl(),
          offset,
          status,
          null);
    }
    return delay;
  }
}
