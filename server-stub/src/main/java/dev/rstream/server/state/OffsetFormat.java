package dev.rstream.server.state;

/**
 * Turns a store position into the offset string the HTTP layer serves, so that the keyframe index
 * ({@code {path}.keyframes}) names keyframes with exactly the offsets clients see on the main
 * stream. Implemented by the HTTP layer; must be pure (same arguments, same string) and
 * thread-safe.
 */
@FunctionalInterface
public interface OffsetFormat {

  /**
   * Returns the offset string for {@code position}, a message boundary of the stream created as
   * {@code incarnation} ({@link dev.rstream.server.storage.StreamMeta#incarnation()}).
   */
  String format(long incarnation, long position);
}
