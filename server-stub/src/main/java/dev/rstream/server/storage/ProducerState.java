package dev.rstream.server.storage;

import java.util.Objects;

/**
 * An idempotent producer's state on one stream (spec 5.2.1), committed atomically with the unit it
 * accepted, so that a retry after a crash is recognised as a duplicate.
 *
 * @param producerId the client's producer id
 * @param epoch the current epoch
 * @param lastSeq the highest accepted sequence number in this epoch
 * @param lastTailPosition tail position after the unit accepted with {@code lastSeq}
 * @param closedStream whether the unit accepted with {@code lastSeq} closed the stream
 */
public record ProducerState(
    String producerId, long epoch, long lastSeq, long lastTailPosition, boolean closedStream) {

  public ProducerState {
    Objects.requireNonNull(producerId, "producerId == null");
  }
}
