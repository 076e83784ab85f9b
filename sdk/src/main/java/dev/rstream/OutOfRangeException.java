package dev.rstream;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A time the stream holds no state for was asked for (that is not the same as an empty state):
 * before its first keyframe, or, as a {@link NoTimestampsException}, before the first timestamp of
 * a stream whose first changes carry none. Not retried; ask for a time at or after {@link
 * #firstKeyframe()}.
 */
public class OutOfRangeException extends RStreamException {
  private static final long serialVersionUID = 1L;

  private final Instant requested;
  private final @Nullable Instant firstKeyframe;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public OutOfRangeException(String url, Instant requested, @Nullable Instant firstKeyframe) {
    this(
        "no state at "
            + requested
            + ": "
            + (firstKeyframe == null
                ? "the stream has no keyframe"
                : "the first keyframe is at " + firstKeyframe),
        url,
        requested,
        firstKeyframe);
  }

  /** For subclasses that say why in their own words; {@code message} names {@code requested}. */
  protected OutOfRangeException(
      String message, String url, Instant requested, @Nullable Instant firstKeyframe) {
    super(message, url, null, 0, null);
    this.requested = requireNonNull(requested, "requested == null");
    this.firstKeyframe = firstKeyframe;
  }

  /** The time that was asked for. */
  public Instant requested() {
    return requested;
  }

  /** The time of the stream's first keyframe, or null if it has none. */
  public @Nullable Instant firstKeyframe() {
    return firstKeyframe;
  }
}
