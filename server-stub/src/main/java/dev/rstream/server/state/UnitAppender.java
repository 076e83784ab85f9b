package dev.rstream.server.state;

import dev.rstream.server.storage.StreamMeta;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How the conventions write their own units (keyframes, index entries): through the server's one
 * write path, so that they take the stream's append lock, get {@code headers.offset} set like any
 * other unit, and wake live readers. Implemented by {@code dev.rstream.server.write.StreamWriter}.
 */
public interface UnitAppender {

  /**
   * Appends {@code messages} as one unit to the stream at {@code path}, creating the stream first
   * with {@code createIfMissing} when it does not exist (null: fail instead). Completes with the
   * tail position after the unit once it is durable; fails when the stream is gone or closed.
   */
  CompletableFuture<Long> appendUnit(
      String path,
      List<byte[]> messages,
      @org.jspecify.annotations.Nullable StreamMeta createIfMissing);
}
