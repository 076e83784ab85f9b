package dev.rstream.internal.window;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.LocalStore.StoredWindow;
import dev.rstream.internal.state.Control;
import dev.rstream.internal.state.State;
import dev.rstream.internal.state.StateMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Converts between a {@link Window} and the {@link StoredWindow} a {@code LocalStore} keeps. */
public final class StoredWindows {
  private StoredWindows() {}

  /**
   * Rebuilds a stored window by replaying it as the messages it was read from.
   *
   * @throws MalformedStreamException if it holds what no stream could have sent
   */
  public static Window restore(StoredWindow stored) {
    Keyframe start = stored.start();
    WindowAssembler assembler;
    if (start == null) {
      assembler = WindowAssembler.startingEmpty(stored.baseOffset());
    } else {
      assembler = WindowAssembler.atKeyframe(start.offset());
      Instant time = start.hasTimestamp() ? start.timestamp() : null;
      assembler.accept(StateMessage.of(Control.of(Control.Kind.SNAPSHOT_START, null, time)));
      for (Change insert : stored.keyframe()) assembler.accept(StateMessage.of(insert));
      assembler.accept(
          StateMessage.of(Control.of(Control.Kind.SNAPSHOT_END, stored.baseOffset(), time)));
    }
    for (Change change : stored.changes()) assembler.accept(StateMessage.of(change));
    Keyframe end = stored.end();
    // Replaying a stored window opens it.
    Window restored = java.util.Objects.requireNonNull(assembler.current());
    return end == null ? restored : restored.withEnd(end);
  }

  /** The window as stored: its keyframe state as inserts, then its changes. */
  public static StoredWindow toStored(Window window) {
    List<Change> keyframe = new ArrayList<>();
    State base = window.baseState();
    for (String type : base.types()) {
      for (Map.Entry<String, String> e : base.entities(type).entrySet()) {
        keyframe.add(Change.insert(type, e.getKey(), e.getValue()));
      }
    }
    List<Change> changes = new ArrayList<>(window.changeCount());
    for (int i = 0; i < window.changeCount(); i++) changes.add(window.change(i));
    return StoredWindow.of(window.start(), window.end(), window.baseOffset(), keyframe, changes);
  }
}
