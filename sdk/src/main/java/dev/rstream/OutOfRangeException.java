package dev.rstream;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A time before the stream's first keyframe was asked for: the stream holds no state for it (that
 * is not the same as an empty state). Not retried; ask for a time at or after {@link
 * #firstKeyframe()}.
 */
public class OutOfRangeException extends RStreamException {
  private static final long serialVersionUID = 1L;

  private final Instant requested;
  private final @Nullable Instant firstKeyframe;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public OutOfRangeException(String url, Instant requested, @Nullable Instant firstKeyframe) {
    super(
        "no state at " + requested + ": "
            + (firstKeyframe == null ? "the stream has no keyframe" : "the first keyframe is at " + firstKeyframe),
        url,
        null,
        0,
        null);
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
