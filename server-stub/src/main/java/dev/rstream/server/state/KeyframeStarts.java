package dev.rstream.server.state;

import static java.util.Objects.requireNonNull;

import dev.rstream.server.storage.ReadResult;
import java.nio.charset.StandardCharsets;

/**
 * Finds where keyframes start in messages already read from a state stream (docs/PROTOCOL.md 3.2),
 * from the stored bytes alone.
 *
 * <p>Why the bytes and not the keyframes the conventions track: a unit becomes readable before
 * {@link StreamConventions#afterAppend} sees it, and the tracked keyframes are rebuilt on restart,
 * so an answer taken from them could differ between two reads of the same range. The bytes below
 * the tail never change, so every read of the same range finds the same keyframes, which keeps
 * chunk boundaries deterministic for HTTP caches (CACHING.md).
 *
 * <p>Threading: stateless, safe from any thread.
 */
public final class KeyframeStarts {
  private static final byte[] SNAPSHOT_START =
      "\"snapshot-start\"".getBytes(StandardCharsets.US_ASCII);

  private KeyframeStarts() {}

  /**
   * The index in {@code read.messages()} of the first message, after the first one, that starts an
   * append unit with a {@code snapshot-start} control: where the next keyframe begins. The first
   * message is skipped because a read that starts at a keyframe is inside that keyframe's window.
   * Returns -1 when no keyframe starts in the read after its first message.
   */
  public static int next(ReadResult read) {
    requireNonNull(read, "read == null");
    long[] unitEnds = read.unitEndPositions();
    for (int i = 1; i < unitEnds.length; i++) {
      // A keyframe is its own append unit, so only the first message of a unit can start one.
      if (unitEnds[i] != unitEnds[i - 1] && isSnapshotStart(read.messages().get(i))) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Whether {@code message} is a State Protocol {@code snapshot-start} control. A byte search rules
   * out almost every message before the parse that decides: this runs on every unit start of every
   * catch-up read, and a parse there would cost more than serving the bytes.
   */
  public static boolean isSnapshotStart(byte[] message) {
    requireNonNull(message, "message == null");
    if (!contains(message, SNAPSHOT_START)) {
      return false;
    }
    StateMessage parsed = StateMessage.parseStored(message);
    return parsed.kind == StateMessage.Kind.CONTROL && "snapshot-start".equals(parsed.control);
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    byte first = needle[0];
    int last = haystack.length - needle.length;
    outer:
    for (int i = 0; i <= last; i++) {
      if (haystack[i] != first) {
        continue;
      }
      for (int j = 1; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
