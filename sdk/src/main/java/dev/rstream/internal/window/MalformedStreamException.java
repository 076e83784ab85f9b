package dev.rstream.internal.window;

import dev.rstream.Offset;

/**
 * Well-formed messages in an order the rstream conventions forbid (a change other than an insert
 * inside a keyframe, a keyframe that does not end, a snapshot end without a start). A bug on the
 * writer's side; the client surfaces it as a protocol error and applies nothing more.
 */
public final class MalformedStreamException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Offset offset;

  public MalformedStreamException(String message, Offset offset) {
    super(message + " (after offset " + offset + ")");
    this.offset = offset;
  }

  /** The last unit boundary before the offending message. */
  public Offset offset() {
    return offset;
  }
}
