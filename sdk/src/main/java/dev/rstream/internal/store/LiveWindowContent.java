package dev.rstream.internal.store;

import dev.rstream.Change;
import dev.rstream.Offset;

/**
 * What {@link StoreMirror} needs of the live window to save only what it gained since the last
 * save: which window it is, how many changes it holds, and up to where it was read.
 */
public interface LiveWindowContent {
  /** The window's id: the value of its start keyframe's offset ({@code -1} with no keyframe). */
  String id();

  /** The offset the window's changes follow. */
  Offset baseOffset();

  /** Where a read of the window resumes: after its last change, or its base offset. */
  Offset offset();

  int changeCount();

  /** The {@code i}-th change, {@code 0 <= i < changeCount()}. */
  Change change(int i);
}
