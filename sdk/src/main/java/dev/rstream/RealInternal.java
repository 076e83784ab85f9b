package dev.rstream;

import dev.rstream.internal.Internal;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** The one {@link Internal}: what internal code may reach of the public types' hidden parts. */
final class RealInternal extends Internal {
  @Override
  public Change trustedChange(
      Change.Operation operation,
      String type,
      String key,
      @Nullable String value,
      @Nullable String oldValue,
      @Nullable Instant timestamp,
      @Nullable String txid,
      @Nullable Offset offset) {
    return Change.trusted(operation, type, key, value, oldValue, timestamp, txid, offset);
  }

  @Override
  public Progress progress(
      Progress.Live live,
      @Nullable Offset liveOffset,
      int windowsPulling,
      int windowsCommitted,
      long messagesRead,
      int retryAttempt,
      @Nullable TransientException retryCause,
      Progress.@Nullable CatchUp catchUp,
      long liveRebuilds) {
    return new Progress(
        live,
        liveOffset,
        windowsPulling,
        windowsCommitted,
        messagesRead,
        retryAttempt,
        retryCause,
        catchUp,
        liveRebuilds);
  }
}
