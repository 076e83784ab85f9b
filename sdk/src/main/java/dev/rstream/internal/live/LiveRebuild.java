package dev.rstream.internal.live;

import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.Progress;
import dev.rstream.internal.window.KeyframeIndex;
import dev.rstream.internal.window.KeyframeIndexLoader;
import dev.rstream.internal.window.LiveCheckpoint;
import dev.rstream.internal.window.ProgressBoard;
import dev.rstream.internal.window.WindowAssembler;
import dev.rstream.internal.window.WindowPoint;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One session's rebuilds after a 410 {@code offset_gone}, for {@link LiveSession}: retention
 * dropped what the read would resume from, or the stream was deleted and created again (its offsets
 * carry a new incarnation), so what the session holds and stored may not be the stream's any more.
 * A rebuild drops it, reloads the index and reads again from the oldest keyframe the server still
 * serves. Subscribers that were shown a state get that keyframe's state (its view says it was
 * rebuilt) and every change after it once; others the state once caught up. {@link
 * Progress#liveRebuilds()} counts the rebuilds. Called under the session's lock.
 */
final class LiveRebuild {
  // The cursor's logger: a session logs as the cursor it serves.
  private static final Logger log = Logger.getLogger(LiveCursor.class.getName());

  private final String url;
  private final UnitEmitter out;
  private final LiveCheckpoint checkpoint;
  private final KeyframeIndexLoader keyframes;
  private final ProgressBoard progress;
  // Whether the next start from the index is a rebuild's: from the stream's start.
  private boolean pending;
  // Whether the last rebuild has had no batch yet: a 410 again then goes through the reconnect
  // policy, so that a server that answers 410 to every read is not read in a loop.
  private boolean unanswered;

  LiveRebuild(
      String url,
      UnitEmitter out,
      LiveCheckpoint checkpoint,
      KeyframeIndexLoader keyframes,
      ProgressBoard progress) {
    this.url = url;
    this.out = out;
    this.checkpoint = checkpoint;
    this.keyframes = keyframes;
    this.progress = progress;
  }

  /** Whether the next start from the index rebuilds. */
  boolean pending() {
    return pending;
  }

  /** Whether a 410 now would come before the last rebuild's read had an answer. */
  boolean unanswered() {
    return unanswered;
  }

  /** The read had an answer. */
  void answered() {
    unanswered = false;
  }

  /**
   * The read met {@code gone}: drops what the session holds and stored and the index, which may
   * name keyframes retention dropped; the next start from the index rebuilds.
   */
  void begin(Throwable gone) {
    log.log(Level.WARNING, url + ": live offset gone, dropping stored data and rebuilding", gone);
    unanswered = true;
    pending = true;
    out.rebuilding(); // the rebuilt state may not follow what subscribers hold
    checkpoint.reset();
    keyframes.reset();
    progress.update(
        p -> p.live(Progress.Live.CONNECTING).liveRebuilds(progress.current().liveRebuilds() + 1));
  }

  /**
   * Starts {@code reader} at {@code -1}, which a server with retention starts at the oldest
   * keyframe it still serves (in one step: no index entry can be dropped between reading the index
   * and the stream), so that subscribers lose the fewest changes: from that keyframe on, every
   * state is emitted. A server that still serves the window subscribers were last shown (a 410 that
   * retention did not cause) is read through it without showing them again what they had.
   */
  void startFrom(KeyframeIndex index, LiveWindowReader reader) {
    pending = false;
    // Reads before the first keyframe are skipped, unless the stream has none to skip to.
    reader.begin(
        index.isEmpty()
            ? WindowAssembler.startingEmpty(Offset.START)
            : WindowAssembler.atKeyframe(Offset.START),
        Offset.START);
    WindowPoint shown = out.emitted();
    Keyframe shownStart = shown == null ? null : shown.window().start();
    if (shown != null && shownStart != null && lists(index, shownStart)) {
      out.skipThrough(shown.offset());
    }
  }

  private static boolean lists(KeyframeIndex index, Keyframe keyframe) {
    for (Keyframe k : index.asList()) {
      if (k.offset().equals(keyframe.offset())) return true;
    }
    return false;
  }
}
