package dev.rstream;

import dev.rstream.durable.ProducerOptions;
import org.jspecify.annotations.Nullable;

/**
 * An idempotent producer was fenced (403): another producer with the same id claimed a newer epoch.
 * This producer must stop; a new one must use an epoch above {@link #currentEpoch()} (or enable
 * auto-claim, see {@link ProducerOptions.Builder#autoClaim(boolean)}).
 */
public class ProducerFencedException extends RStreamException {
  private static final long serialVersionUID = 1L;

  private final long epoch;
  private final long currentEpoch;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public ProducerFencedException(
      String url, long epoch, long currentEpoch, @Nullable Throwable cause) {
    super(
        "producer epoch " + epoch + " is stale, the server's epoch is " + currentEpoch,
        url,
        null,
        403,
        cause);
    this.epoch = epoch;
    this.currentEpoch = currentEpoch;
  }

  /** The epoch this producer sent. */
  public long epoch() {
    return epoch;
  }

  /** The server's current epoch for this producer id, or -1 if it did not say. */
  public long currentEpoch() {
    return currentEpoch;
  }
}
