package dev.rstream;

import dev.rstream.durable.IdempotentProducer;
import org.jspecify.annotations.Nullable;

/**
 * An append that sent a {@code Stream-Seq} writer sequence was refused (409): the value is not
 * above the last one the server accepted, so another writer (or an earlier run of this one) got
 * there first. Not retried: sending the same value again cannot succeed; re-read the stream and
 * decide what to append with a higher {@link #seq()}.
 *
 * <p>Distinct from {@link SequenceConflictException}, which is an {@link IdempotentProducer}'s own
 * per-batch sequence ({@code Producer-Seq}) having a gap. The protocol's 409 does not say which
 * check failed: the SDK reports this type for any 409 on an append that carried {@code Stream-Seq},
 * unless the server said the stream is closed ({@link StreamClosedException}); the server's
 * explanation, if any, is in the message.
 */
public class SequenceRegressionException extends ConflictException {
  private static final long serialVersionUID = 1L;

  private final String seq;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public SequenceRegressionException(
      String message, String url, String seq, @Nullable Throwable cause) {
    super(message, url, null, 409, cause);
    this.seq = seq;
  }

  /** The {@code Stream-Seq} value the refused append sent. */
  public String seq() {
    return seq;
  }
}
