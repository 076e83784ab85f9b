package dev.rstream.internal.window;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.internal.state.Control;
import dev.rstream.internal.state.State;
import dev.rstream.internal.state.StateMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Turns State Protocol messages, read in stream order, into windows: finds keyframes, applies them
 * (clear, then inserts) and the changes after them, and ends a window where the next keyframe
 * starts.
 *
 * <p>Keyframe start offsets come from {@code headers.offset} (the end of the previous append unit);
 * against a server that does not set it, from the ends of reads ({@link #unitBoundary}), which are
 * coarser but still safe: a window read from there skips to its {@code snapshot-start}.
 *
 * <p>A keyframe with {@code asOf} (docs/PROTOCOL.md 3.2) starts at its {@code asOf}: the changes
 * between that offset and its {@code snapshot-start} are set aside (from an open window, which then
 * ends at {@code asOf}, or met before the keyframe in a read from {@code asOf}) and applied after
 * its inserts, each at the keyframe's end offset, the position of the state they produce.
 *
 * <p>The window being read is an {@link OpenWindow}; this class decides what each message does to
 * it. Single-threaded: one reader feeds it. The {@link Window}s it hands out are immutable and may
 * go to any thread.
 */
public final class WindowAssembler {
  /** What one message did. */
  public enum Event {
    /** Before the first keyframe of a read that must start at one: ignored. */
    SKIPPED,
    /** Part of a keyframe that is not complete yet: nothing visible changed. */
    KEYFRAME_PART,
    /**
     * A keyframe completed and a new window started with its state. If a window was open, it ended
     * there: {@link #completed()} returns it with its end bound.
     */
    WINDOW_STARTED,
    /** A change was applied to the open window: {@link #current()} includes it. */
    CHANGE_APPLIED,
    /** A reset control: drop everything and rebuild from {@link #resetOffset()}. */
    RESET
  }

  private enum Phase {
    SEEKING,
    IN_KEYFRAME,
    /** Inside the keyframe the open window started at, read again: nothing of it applies. */
    REREADING_KEYFRAME,
    IN_WINDOW,
    DONE
  }

  private Phase phase;
  private Offset unitEnd;
  // The offset of the last message accepted: the unit its successors may still belong to.
  private @Nullable Offset lastMessageOffset;

  private Offset keyframeStart = Offset.START;
  private @Nullable Instant keyframeTime;
  private @Nullable Instant keyframeMaxInsertTime;
  private State.Editor keyframeState = State.empty().edit();

  private final OpenWindow window = new OpenWindow();

  // Changes between a keyframe's asOf and its snapshot-start, applied after its inserts. While
  // seeking, every change met is kept with where it was, until the snapshot-start names its asOf.
  private final List<Change> setAside = new ArrayList<>();
  // The changes the last keyframe took out of the window being read (its asOf is before them).
  private List<Change> moved = List.of();
  private final List<Boolean> seekingHasOffset = new ArrayList<>();
  // Where each change met while seeking was: its unit's end offset, or the read position before it.
  private final List<Offset> seekingPositions = new ArrayList<>();

  private @Nullable Window completed;
  private @Nullable Offset resetOffset;

  private WindowAssembler(Phase phase, Offset from) {
    this.phase = phase;
    this.unitEnd = from;
  }

  /**
   * For a read from the start of the stream ({@code -1}): messages before the first keyframe form a
   * window with no start bound, from the empty state (a stream that has no keyframe at all).
   */
  public static WindowAssembler fromStreamStart() {
    return startingEmpty(Offset.START);
  }

  /**
   * For a read from {@code from} that starts from the empty state: the stream's start, or where a
   * {@code reset} control said to rebuild from. Messages before the first keyframe form a window
   * with no start bound.
   */
  public static WindowAssembler startingEmpty(Offset from) {
    WindowAssembler assembler = new WindowAssembler(Phase.IN_WINDOW, from);
    assembler.window.open(null, from, State.empty(), null);
    return assembler;
  }

  /** For a read from a keyframe's start offset (or before it): skips to the first keyframe. */
  public static WindowAssembler atKeyframe(Offset from) {
    return new WindowAssembler(Phase.SEEKING, from);
  }

  /**
   * For resuming a window held from an earlier read (the live window after a reconnect or restart):
   * continues it at {@code window.offset()}.
   */
  public static WindowAssembler resuming(Window window) {
    WindowAssembler assembler = new WindowAssembler(Phase.IN_WINDOW, window.offset());
    assembler.window.resume(window);
    // The held window may end inside an append unit; the rest of that unit shares its offset.
    int n = window.changeCount();
    if (n > 0) assembler.lastMessageOffset = window.offsetAfter(n);
    return assembler;
  }

  /** Applies the next message in stream order. */
  public Event accept(StateMessage message) {
    if (phase == Phase.DONE) throw new IllegalStateException("reset seen; start a new assembler");
    Offset before = unitEnd;
    Offset messageOffset = message.offset();
    if (messageOffset != null) {
      // Messages of one append unit share its end offset; a later unit's is greater. Anything
      // else is data the server already sent (or sent out of order): never apply it.
      int order = messageOffset.compareTo(before);
      if (order < 0 || (order == 0 && !messageOffset.equals(lastMessageOffset))) {
        throw new MalformedStreamException(
            "message offset "
                + messageOffset
                + " is not after "
                + before
                + ": repeated or reordered data",
            before);
      }
      lastMessageOffset = messageOffset;
      unitEnd = messageOffset;
    }
    Control control = message.control();
    if (control != null) return acceptControl(control, before, messageOffset != null);
    // A message that is not a control is a change.
    Change change = Objects.requireNonNull(message.change());
    switch (phase) {
      case SEEKING:
        // Kept in case the keyframe that follows is as of an offset before it.
        setAside.add(change);
        seekingHasOffset.add(messageOffset != null);
        seekingPositions.add(messageOffset != null ? messageOffset : before);
        return Event.SKIPPED;
      case REREADING_KEYFRAME:
        return Event.KEYFRAME_PART; // the inserts of the keyframe this window started at
      case IN_KEYFRAME:
        if (change.operation() != Change.Operation.INSERT) {
          throw new MalformedStreamException(
              "keyframe at "
                  + keyframeStart
                  + " holds a "
                  + change.operation().wireName()
                  + " of "
                  + change.type()
                  + "/"
                  + change.key()
                  + "; keyframes hold only inserts",
              before);
        }
        keyframeState.apply(change);
        Instant time = change.timestamp();
        if (time != null
            && (keyframeMaxInsertTime == null || time.isAfter(keyframeMaxInsertTime))) {
          keyframeMaxInsertTime = time;
        }
        return Event.KEYFRAME_PART;
      default:
        window.append(change, messageOffset != null ? messageOffset : unitEnd);
        return Event.CHANGE_APPLIED;
    }
  }

  /**
   * @param unitEnds whether the server sets {@code headers.offset}: the offsets the open window
   *     records are then the ends of units, else the read positions before them (2.1)
   */
  private Event acceptControl(Control control, Offset before, boolean unitEnds) {
    switch (control.kind()) {
      case RESET:
        phase = Phase.DONE;
        resetOffset = control.offset() != null ? control.offset() : Offset.START;
        return Event.RESET;
      case SNAPSHOT_START:
        if (phase == Phase.IN_KEYFRAME || phase == Phase.REREADING_KEYFRAME) {
          throw new MalformedStreamException(
              "keyframe at "
                  + keyframeStart
                  + " has no snapshot-end before the next snapshot-start",
              before);
        }
        Offset asOf = control.asOf();
        Offset keyframeAt = asOf != null && asOf.compareTo(before) < 0 ? asOf : before;
        Keyframe start = window.start();
        if (phase == Phase.IN_WINDOW && start != null) {
          int order = keyframeAt.compareTo(start.offset());
          if (order == 0) {
            // The keyframe this window started at, read again by a read that resumed before its
            // end (a server without headers.offset names no position after it): already applied.
            phase = Phase.REREADING_KEYFRAME;
            return Event.KEYFRAME_PART;
          }
          if (order < 0) {
            throw new MalformedStreamException(
                "keyframe as of "
                    + keyframeAt
                    + " is not after the keyframe at "
                    + start.offset()
                    + " before it",
                before);
          }
        }
        keyframeStart = keyframeAt;
        if (phase == Phase.SEEKING) {
          keepSetAsideAfter(asOf);
        } else {
          setAside.clear();
          if (asOf != null) window.moveChangesAfter(asOf, unitEnds, setAside);
          moved = setAside.isEmpty() ? List.of() : new ArrayList<>(setAside);
        }
        phase = Phase.IN_KEYFRAME;
        keyframeTime = control.timestamp();
        keyframeMaxInsertTime = null;
        keyframeState = State.empty().edit();
        return Event.KEYFRAME_PART;
      case SNAPSHOT_END:
      default:
        if (phase == Phase.SEEKING) return Event.SKIPPED;
        if (phase == Phase.REREADING_KEYFRAME) {
          phase = Phase.IN_WINDOW;
          return Event.KEYFRAME_PART;
        }
        if (phase != Phase.IN_KEYFRAME) {
          throw new MalformedStreamException("snapshot-end without a snapshot-start", before);
        }
        Instant lastTime = window.lastTime();
        Instant time = keyframeTime;
        if (time == null) time = keyframeMaxInsertTime;
        if (time == null) time = lastTime;
        // Effective time (docs/PROTOCOL.md 3.1): never before the time of what came before it.
        if (time != null && lastTime != null && time.isBefore(lastTime)) time = lastTime;
        // No time at all: a keyframe before any change, which stands for all time before the
        // first change (3.2); the changes after it keep no time until one carries a timestamp.
        Keyframe keyframe = Keyframe.of(keyframeStart, time == null ? Instant.MIN : time);
        completed = null;
        if (window.hasContent()) {
          Window open = window.snapshot();
          if (open != null) completed = open.withEnd(keyframe);
        }
        Offset base = control.offset() != null ? control.offset() : unitEnd;
        window.open(keyframe, base, keyframeState.freeze(), time);
        for (Change change : setAside) {
          window.append(change.newBuilder().offset(base).build(), base);
        }
        setAside.clear();
        phase = Phase.IN_WINDOW;
        return Event.WINDOW_STARTED;
    }
  }

  /** At a snapshot-start met while seeking: keeps the changes set aside that are after asOf. */
  private void keepSetAsideAfter(@Nullable Offset asOf) {
    List<Change> kept = new ArrayList<>();
    if (asOf != null) {
      for (int i = 0; i < setAside.size(); i++) {
        Offset at = seekingPositions.get(i);
        // A unit ending after asOf starts at or after it; without offsets, only a read that
        // started at or after asOf tells.
        boolean after = seekingHasOffset.get(i) ? at.compareTo(asOf) > 0 : at.compareTo(asOf) >= 0;
        if (after) kept.add(setAside.get(i));
      }
    }
    setAside.clear();
    seekingHasOffset.clear();
    seekingPositions.clear();
    setAside.addAll(kept);
  }

  /** Records that everything before {@code offset} has been read (the end of a read). */
  public void unitBoundary(Offset offset) {
    unitEnd = offset;
  }

  /** The offset after the last complete append unit seen. */
  public Offset unitEnd() {
    return unitEnd;
  }

  /** The open window with everything read so far; null before the first keyframe. */
  public @Nullable Window current() {
    if (phase == Phase.REREADING_KEYFRAME) return window.snapshot();
    if (phase != Phase.IN_WINDOW) return phase == Phase.IN_KEYFRAME ? window.snapshot() : null;
    return window.snapshot();
  }

  /** True while inside a keyframe that has not ended. */
  public boolean inKeyframe() {
    return phase == Phase.IN_KEYFRAME;
  }

  /**
   * The changes, in order, that the keyframe of the last {@link Event#WINDOW_STARTED} took out of
   * the window read before it, to apply after its state (its {@code asOf} is before them); the very
   * instances that window holds. Empty if none.
   */
  public List<Change> movedByKeyframe() {
    return moved;
  }

  /** The window that ended at the last {@link Event#WINDOW_STARTED}, or null. */
  public @Nullable Window completed() {
    return completed;
  }

  /** Where to rebuild from after {@link Event#RESET}. */
  public @Nullable Offset resetOffset() {
    return resetOffset;
  }
}
