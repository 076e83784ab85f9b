package dev.rstream;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * The live state did not reach an offset within the time {@link RStreamClient#awaitOffset(Offset,
 * long, java.util.concurrent.TimeUnit)} was given: the server or the network is slow, or the live
 * read is retrying. A {@link TransientException}: waiting again later may work. {@link #offset()}
 * is the offset waited for, {@link #reached()} where the live state was when the time ran out.
 */
public class OffsetTimeoutException extends TransientException {
  private static final long serialVersionUID = 1L;

  private final long timeoutMillis;
  private final @Nullable Offset reached;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public OffsetTimeoutException(
      String url, Offset offset, long timeoutMillis, @Nullable Offset reached) {
    super(
        "the live state did not reach offset "
            + requireNonNull(offset, "offset == null").value()
            + " within "
            + timeoutMillis
            + " ms (it was at "
            + (reached == null ? "none" : reached.value())
            + ")",
        url,
        offset,
        0,
        null);
    this.timeoutMillis = timeoutMillis;
    this.reached = reached;
  }

  /** The time the wait was given, in milliseconds. */
  public long timeoutMillis() {
    return timeoutMillis;
  }

  /** The offset of the live state when the time ran out, or null if it had none. */
  public @Nullable Offset reached() {
    return reached;
  }
}
