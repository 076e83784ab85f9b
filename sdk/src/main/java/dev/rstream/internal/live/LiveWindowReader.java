package dev.rstream.internal.live;

import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.RStreamEventListener;
import dev.rstream.durable.ReadBatch;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.window.LiveCheckpoint;
import dev.rstream.internal.window.MalformedStreamException;
import dev.rstream.internal.window.Window;
import dev.rstream.internal.window.WindowAssembler;
import java.util.Objects;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Applies one session's live read to the live window, for {@link LiveSession}: each batch's
 * messages in order through a {@link WindowAssembler}, states to subscribers through {@link
 * UnitEmitter} one append unit at a time, each window met to the {@link LiveCheckpoint}. Knows
 * where the next read resumes (the end of the last complete response) and, after a read was cut
 * mid-unit, how many of the next read's messages to skip. Called under the session's lock.
 */
final class LiveWindowReader {
  // The cursor's logger: a session logs as the cursor it serves.
  private static final Logger log = Logger.getLogger(LiveCursor.class.getName());

  /** What applying a batch did. */
  enum Applied {
    /** The batch moved the read: messages, or a complete response ending at a new offset. */
    MOVED,
    /** Nothing new: an empty batch at the offset the read resumes from. */
    SAME,
    /**
     * A reset control: everything was dropped, and the state shown, empty, is rebuilt from the
     * offset it named. The rest of the batch is not applied; the next read starts there.
     */
    RESET
  }

  private final String url;
  private final UnitEmitter out;
  private final LiveCheckpoint checkpoint;
  private final RStreamEventListener events;
  private final LiveCatchUp catchUp;
  private @Nullable WindowAssembler assembler;
  private Offset resumeOffset = Offset.START;
  // Messages read past resumeOffset (applied or skipped) from responses whose end we have not
  // seen, and how many of the next read's messages to skip: after a cut, the read from
  // resumeOffset skips all that was read past it, however many cuts came in between.
  private int readSinceBoundary;
  private int skip;

  LiveWindowReader(
      String url,
      UnitEmitter out,
      LiveCheckpoint checkpoint,
      RStreamEventListener events,
      LiveCatchUp catchUp) {
    this.url = url;
    this.catchUp = catchUp;
    this.out = out;
    this.checkpoint = checkpoint;
    this.events = events;
  }

  /**
   * Reads on with {@code assembler} from {@code from}; the unit held of the last one is dropped.
   */
  void begin(WindowAssembler assembler, Offset from) {
    this.assembler = assembler;
    this.resumeOffset = from;
    this.readSinceBoundary = 0;
    this.skip = 0;
    out.dropUnit(); // of the assembler this one replaces
    catchUp.began(from);
  }

  /** Forgets the window read: the next start begins again (from the index). */
  void clear() {
    assembler = null;
  }

  /** Whether a read has begun since the last {@link #clear()}. */
  boolean begun() {
    return assembler != null;
  }

  /** Where the next read starts: the end of the last complete response. */
  Offset resumeOffset() {
    return resumeOffset;
  }

  /** The window being read, if any. */
  @Nullable Window current() {
    WindowAssembler reading = assembler;
    return reading == null ? null : reading.current();
  }

  /**
   * The stream said to drop everything and rebuild from {@code from} (null: its start): subscribers
   * are shown the empty state there, flagged {@code caughtUp}, which every later state continues.
   */
  private void reset(@Nullable Offset from, boolean caughtUp) {
    Offset start = from != null ? from : Offset.START;
    log.info(url + ": reset control, rebuilding from " + start);
    checkpoint.reset();
    WindowAssembler rebuilding = WindowAssembler.startingEmpty(start);
    begin(rebuilding, start);
    Window empty = rebuilding.current();
    if (empty != null) {
      checkpoint.hold(empty);
      out.restart(empty.latest(), caughtUp, false);
    }
  }

  /** The read was cut: the next one, from the resume offset, skips all that was read past it. */
  void cutUnit() {
    skip += readSinceBoundary;
    readSinceBoundary = 0;
  }

  /**
   * Applies {@code batch}; states are emitted flagged {@code caughtUp}. A complete response ends a
   * unit, moves the resume offset to its end and has the checkpoint save the window.
   *
   * @throws MalformedStreamException if the messages break the State Protocol.
   */
  Applied apply(ReadBatch<StateMessage> batch, boolean caughtUp) {
    // begin() ran before the read that delivers batches started.
    WindowAssembler assembler = Objects.requireNonNull(this.assembler, "no read begun");
    for (StateMessage message : batch.messages()) {
      readSinceBoundary++;
      if (skip > 0) {
        skip--;
        continue;
      }
      Offset offset = message.offset();
      // A message with another offset starts another unit: the last one is complete.
      if (out.endsUnit(offset)) out.emitUnit(caughtUp);
      WindowAssembler.Event event = assembler.accept(message);
      switch (event) {
        case CHANGE_APPLIED:
          if (caughtUp || out.continuous()) out.holdUnit(open(assembler).latest(), offset);
          break;
        case WINDOW_STARTED:
          if (assembler.completed() != null) catchUp.windowCompleted();
          checkpoint.keyframe(assembler.completed(), open(assembler));
          Keyframe applied = open(assembler).start();
          if (applied != null) events.keyframeApplied(applied);
          if (caughtUp || out.continuous()) {
            out.holdWindowStart(open(assembler).latest(), assembler.movedByKeyframe(), offset);
          }
          break;
        case RESET:
          reset(assembler.resetOffset(), caughtUp);
          return Applied.RESET;
        default:
          break;
      }
    }
    boolean moved =
        !batch.messages().isEmpty()
            || (!batch.partial() && !batch.nextOffset().equals(resumeOffset));
    if (!batch.partial()) {
      out.emitUnit(caughtUp); // a complete response ends on a unit's end
      assembler.unitBoundary(batch.nextOffset());
      resumeOffset = batch.nextOffset();
      readSinceBoundary = 0;
      skip = 0;
    }
    Window current = assembler.current();
    if (current != null) {
      checkpoint.hold(current);
      // Only at a unit boundary: a window's offset is where a read resumes, and mid-unit it
      // would point past changes the store does not hold yet.
      if (!batch.partial()) checkpoint.save(current);
    }
    catchUp.read(resumeOffset, batch.partial() || !batch.upToDate());
    return moved ? Applied.MOVED : Applied.SAME;
  }

  /** The window a change was just applied to, or that just started. */
  private static Window open(WindowAssembler assembler) {
    return Objects.requireNonNull(assembler.current(), "no open window");
  }
}
