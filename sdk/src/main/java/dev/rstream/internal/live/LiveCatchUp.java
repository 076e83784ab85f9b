package dev.rstream.internal.live;

import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.Progress;
import dev.rstream.internal.window.CatchUps;
import dev.rstream.internal.window.KeyframeIndexLoader;
import dev.rstream.internal.window.OffsetDistance;
import dev.rstream.internal.window.ProgressBoard;
import dev.rstream.internal.window.StreamSource;
import io.reactivex.rxjava3.disposables.Disposable;
import org.jspecify.annotations.Nullable;

/**
 * How far the live cursor's read is from a tail the server had, as {@link Progress#catchUp()} shows
 * it: windows of the keyframe index between where the read stands and that tail, and bytes where
 * the offsets are byte positions. The tail comes from a one-shot read that asked for it ({@link
 * #to}), or, when a live read's answer says there is more to read than it brought (a batch not up
 * to date), from one HEAD of the stream's tail, asked once per catch-up; a read that catches up in
 * one answer costs no request. The catch-up ends once the read reaches the tail, or when the
 * session ends or rebuilds. Thread-safe; calls nothing back.
 */
final class LiveCatchUp {
  private final StreamSource source;
  private final KeyframeIndexLoader keyframes;
  private final ProgressBoard progress;
  // Guarded by this.
  private @Nullable Offset position; // where the read stands, null with no read begun
  private @Nullable Offset behindFrom; // where the read last began or was up to date
  private int windowsSince; // windows the read completed since behindFrom
  private @Nullable Offset target; // the tail to reach, null when none is known
  private CatchUps.@Nullable Run run; // counting from behindFrom
  private Disposable tail = Disposable.disposed();
  private boolean asked; // for the tail, since behindFrom

  LiveCatchUp(StreamSource source, KeyframeIndexLoader keyframes, ProgressBoard progress) {
    this.source = source;
    this.keyframes = keyframes;
    this.progress = progress;
  }

  /** The server's tail was {@code tail}: the read catches up to it, if it is not there yet. */
  synchronized void to(Offset tail) {
    Offset known = target;
    if (known == null || tail.compareTo(known) > 0) target = tail;
    Offset at = position;
    if (at != null) reached(at);
  }

  /** A read begins from {@code offset}: a catch-up to a known tail starts there. */
  synchronized void began(Offset offset) {
    end();
    upToDate(offset);
    reached(offset);
  }

  /** A keyframe ended a window of the read. */
  synchronized void windowCompleted() {
    windowsSince++;
    CatchUps.Run running = run;
    if (running != null) running.windowDone(-1);
  }

  /**
   * The read stands at {@code offset} after a batch; {@code more}: the batch said the server holds
   * more than it brought (not up to date, or cut mid-unit).
   */
  synchronized void read(Offset offset, boolean more) {
    position = offset;
    reached(offset);
    if (!more) {
      upToDate(offset); // a later catch-up starts here, and asks for the tail again
    } else if (target == null && !asked) {
      asked = true;
      askTail();
    }
  }

  /** The read ended, or starts again elsewhere (a rebuild): no catch-up, and no tail known. */
  synchronized void stopped() {
    end();
    position = null;
    behindFrom = null;
    target = null;
    tail.dispose();
  }

  private void upToDate(Offset offset) {
    position = offset;
    behindFrom = offset;
    windowsSince = 0;
    asked = false;
  }

  private void askTail() {
    tail =
        source
            .tail()
            .subscribe(
                this::to,
                e -> {
                  // Without the tail the catch-up shows no total; the read goes on regardless.
                });
  }

  /** The read stands at {@code at}: starts, moves or ends the catch-up to the target. */
  private void reached(Offset at) {
    Offset goal = target;
    if (goal == null) return;
    Offset from = behindFrom != null ? behindFrom : at;
    CatchUps.Run running = run;
    if (at.compareTo(goal) >= 0) {
      if (running != null) {
        long bytes = OffsetDistance.between(from, at);
        running.bytes(bytes, bytes);
        running.windowDone(-1); // the window the read ends in
      }
      end();
      target = null;
      return;
    }
    if (running == null) {
      int windows = Math.max(windowsBetween(from, goal), windowsSince + 1);
      running = progress.catchUps().start(windows, OffsetDistance.between(from, goal));
      run = running;
      for (int i = 0; i < windowsSince; i++) running.windowDone(-1);
    }
    running.bytes(OffsetDistance.between(from, at), OffsetDistance.between(from, goal));
  }

  /** The windows a read from {@code start} to {@code end} goes through, as the index knows them. */
  private int windowsBetween(Offset start, Offset end) {
    int windows = 1;
    for (Keyframe k : keyframes.current().asList()) {
      if (k.offset().compareTo(start) > 0 && k.offset().compareTo(end) < 0) windows++;
    }
    return windows;
  }

  private void end() {
    CatchUps.Run running = run;
    run = null;
    if (running != null) running.end();
  }
}
