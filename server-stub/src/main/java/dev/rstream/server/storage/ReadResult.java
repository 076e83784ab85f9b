package dev.rstream.server.storage;

import java.util.List;

/**
 * Whole messages read from a stream.
 *
 * @param messages the messages, in stream order; each one's bytes exactly as appended
 * @param unitEndPositions for each message, the position that follows the append unit it was
 *     written in (what the reference server puts in State Protocol {@code headers.offset})
 * @param nextPosition position after the last message returned (= {@code fromPosition} when none)
 * @param tailPosition the stream's tail when read
 * @param closed whether the stream was closed when read
 */
public record ReadResult(
    List<byte[]> messages,
    long[] unitEndPositions,
    long nextPosition,
    long tailPosition,
    boolean closed) {

  /** Whether this read reached the tail. */
  public boolean upToDate() {
    return nextPosition == tailPosition;
  }
}
