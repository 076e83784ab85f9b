package dev.rstream;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A past time was asked of a stream whose changes up to that time carry no timestamps: their time
 * is unknown, so is the state at any time before the first change that has one. Such a stream has
 * no keyframe (see {@code docs/PROTOCOL.md} sections 3.0 and 3.1); its live state is still known.
 *
 * <p>Not retried. Ask for a time at or after {@link #firstTimestamp()} if there is one, or for the
 * live state ({@code live()}, or a time after now); or have the writer stamp its changes.
 */
public class NoTimestampsException extends OutOfRangeException {
  private static final long serialVersionUID = 1L;

  private final @Nullable Instant firstTimestamp;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public NoTimestampsException(String url, Instant requested, @Nullable Instant firstTimestamp) {
    super(
        "no state at "
            + requested
            + ": "
            + (firstTimestamp == null
                ? "the stream's messages carry no timestamps, so the state at a past time is"
                    + " unknown; only the live state is"
                : "the stream's first changes carry no timestamps, so the state before "
                    + firstTimestamp
                    + " (its first timestamp) is unknown"),
        url,
        requested,
        null);
    this.firstTimestamp = firstTimestamp;
  }

  /**
   * The earliest time whose state is known: the timestamp of the first change that carries one;
   * null if none does yet.
   */
  public @Nullable Instant firstTimestamp() {
    return firstTimestamp;
  }
}
