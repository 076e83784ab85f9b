package dev.rstream.internal.window;

import dev.rstream.Change;
import dev.rstream.internal.state.State;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An estimate of the heap a committed {@link Window} retains, for the client's memory budget: its
 * keyframe's entities, its changes (each with its strings, time and offset), the nodes of the state
 * maps they built and the checkpoints. It counts Latin-1 text at a byte a character and a 64-bit
 * JVM with compressed references; it errs on the high side (strings that several changes share are
 * counted for each), so a budget is not exceeded by the estimate being short.
 *
 * <p>Why an estimate and not a measurement: the JDK measures an object graph only through an agent
 * ({@code Instrumentation}), which an app cannot be asked to install, and walking the graph by
 * reflection costs more than the window took to read.
 */
final class WindowWeight {
  /** The window object, its five arrays' headers and its bounds. */
  static final long WINDOW = 256;

  /** A change object with its operation and the references to its fields. */
  private static final long CHANGE = 48;

  /** A change's slots in the window's arrays, its {@code Instant} and its share of an offset. */
  private static final long CHANGE_SLOTS = 12 + 24 + 16;

  /**
   * The map nodes an entity costs in a state: its slot in a node, and the path copies that adding
   * or replacing it made (the checkpoints keep some of them).
   */
  private static final long ENTITY_NODES = 64;

  /** A string's object and its array's header. */
  private static final long STRING = 40;

  private WindowWeight() {}

  /** The estimated bytes {@code window} retains. */
  static long of(Window window) {
    long bytes = WINDOW;
    State base = window.baseState();
    for (String type : base.types()) {
      bytes += string(type);
      for (Map.Entry<String, String> entity : base.entities(type).entrySet()) {
        bytes += ENTITY_NODES + string(entity.getKey()) + string(entity.getValue());
      }
    }
    for (int i = 0; i < window.changeCount(); i++) {
      Change change = window.change(i);
      bytes +=
          CHANGE
              + CHANGE_SLOTS
              + ENTITY_NODES
              + string(change.type())
              + string(change.key())
              + string(change.value())
              + string(change.oldValue())
              + string(change.txid());
    }
    return bytes;
  }

  private static long string(@Nullable String s) {
    return s == null ? 0 : STRING + s.length();
  }
}
