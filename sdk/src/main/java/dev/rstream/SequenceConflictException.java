package dev.rstream;

import org.jspecify.annotations.Nullable;

/**
 * An idempotent producer sent a sequence number with a gap (409 with {@code
 * Producer-Expected-Seq}): the server lost track of batches this producer believes it sent. Not
 * retried: the producer can no longer promise exactly-once delivery for this epoch.
 */
public class SequenceConflictException extends ConflictException {
  private static final long serialVersionUID = 1L;

  private final long expectedSeq;
  private final long receivedSeq;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public SequenceConflictException(
      String url, long expectedSeq, long receivedSeq, @Nullable Throwable cause) {
    super(
        "producer sequence gap: server expected seq "
            + expectedSeq
            + " but received "
            + receivedSeq,
        url,
        null,
        409,
        cause);
    this.expectedSeq = expectedSeq;
    this.receivedSeq = receivedSeq;
  }

  /** The sequence number the server expected next, or -1 if it did not say. */
  public long expectedSeq() {
    return expectedSeq;
  }

  /** The sequence number the server received, or -1 if it did not say. */
  public long receivedSeq() {
    return receivedSeq;
  }
}
