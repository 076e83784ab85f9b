package dev.rstream.server.write;

import dev.rstream.server.storage.ProducerState;
import org.jspecify.annotations.Nullable;

/**
 * An idempotent producer's claim on a write (spec 5.2.1): its id, epoch and sequence number, as the
 * client sent them in {@code Producer-*} headers, syntax already checked. Immutable.
 */
public record Producer(String id, long epoch, long seq) {

  /**
   * Checks this write against the producer's state on the stream, {@code current} (null when the
   * producer never wrote to it).
   *
   * @return true when the write is a retry of one already accepted: nothing must be appended
   * @throws WriteRejectedException when the epoch is stale, a new epoch does not start at 0, or
   *     sequence numbers were skipped
   */
  boolean isDuplicate(String path, @Nullable ProducerState current) throws WriteRejectedException {
    if (current == null) {
      if (seq != 0) {
        throw new WriteRejectedException.SequenceGap(path, this, 0);
      }
      return false;
    }
    if (epoch < current.epoch()) {
      throw new WriteRejectedException.StaleEpoch(path, this, current.epoch());
    }
    if (epoch > current.epoch()) {
      if (seq != 0) {
        throw new WriteRejectedException.EpochNotStartedAtZero(path, this);
      }
      return false;
    }
    if (seq <= current.lastSeq()) {
      return true;
    }
    if (seq != current.lastSeq() + 1) {
      throw new WriteRejectedException.SequenceGap(path, this, current.lastSeq() + 1);
    }
    return false;
  }

  /** Whether this write is a retry of {@code closedBy}, the producer write that closed a stream. */
  boolean retries(@Nullable ProducerState closedBy) {
    return closedBy != null
        && closedBy.producerId().equals(id)
        && closedBy.epoch() == epoch
        && closedBy.lastSeq() == seq;
  }
}
