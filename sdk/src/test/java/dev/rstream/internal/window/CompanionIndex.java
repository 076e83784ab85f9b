package dev.rstream.internal.window;

import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.StreamNotFoundException;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import io.reactivex.rxjava3.core.Flowable;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A stream's companion keyframe index ({@code <url>.keyframes}) as a server answers a read of it,
 * for the fakes of {@link StreamSource#readIndex}.
 */
public final class CompanionIndex {
  private CompanionIndex() {}

  /**
   * One up-to-date batch of the keyframes of {@code index} after the read's offset (all of them
   * from the start), ending at the last keyframe; a 404 where the stream has no index ({@code
   * index} null).
   */
  public static Flowable<ReadBatch<Keyframe>> read(
      String url, @Nullable List<Keyframe> index, ReadOptions options) {
    if (index == null) {
      return Flowable.error(
          new StreamNotFoundException("no such stream", url + ".keyframes", null, 404, null));
    }
    List<Keyframe> after = new ArrayList<>();
    for (Keyframe k : index) {
      if (options.offset().isStart() || k.offset().compareTo(options.offset()) > 0) after.add(k);
    }
    Offset next = index.isEmpty() ? Offset.START : index.get(index.size() - 1).offset();
    return Flowable.just(
        ReadBatch.<Keyframe>builder()
            .messages(after)
            .startOffset(options.offset())
            .nextOffset(next)
            .upToDate(true)
            .build());
  }
}
