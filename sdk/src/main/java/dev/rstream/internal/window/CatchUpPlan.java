package dev.rstream.internal.window;

import dev.rstream.Keyframe;
import java.time.Instant;

/**
 * What a read of the windows from the {@code k}th keyframe of an index up to a time will cover, as
 * {@code RStreamClient.changes} walks them: the committed windows until the first that ends at or
 * after {@code to}, and the live window if none does. For {@link CatchUps}.
 */
public final class CatchUpPlan {
  private final int windows;
  private final long bytes;

  private CatchUpPlan(int windows, long bytes) {
    this.windows = windows;
    this.bytes = bytes;
  }

  /** The plan of a read of {@code index} from its {@code k}th keyframe up to {@code to}. */
  public static CatchUpPlan of(KeyframeIndex index, int k, Instant to) {
    int windows = 0;
    long bytes = 0;
    for (int i = k; ; i++) {
      windows++;
      if (index.isEmpty() || i >= index.size() - 1) {
        return new CatchUpPlan(windows, -1); // the live window: its end is not known
      }
      long window = OffsetDistance.between(index.get(i).offset(), index.get(i + 1).offset());
      bytes = bytes < 0 || window < 0 ? -1 : bytes + window;
      if (!index.get(i + 1).timestamp().isBefore(to)) return new CatchUpPlan(windows, bytes);
    }
  }

  /** Windows it reads, the live one counted as one. */
  public int windows() {
    return windows;
  }

  /** Bytes it reads, or -1 if the offsets do not tell, or the live window is among them. */
  public long bytes() {
    return bytes;
  }

  /** The bytes of {@code window}'s range, or -1 if unknown (the live window, other offsets). */
  public static long bytesOf(Window window) {
    Keyframe start = window.start();
    Keyframe end = window.end();
    if (end == null) return -1;
    return OffsetDistance.between(
        start == null ? window.baseOffset() : start.offset(), end.offset());
  }
}
