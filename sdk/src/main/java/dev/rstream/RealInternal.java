package dev.rstream;

import dev.rstream.internal.Internal;
import dev.rstream.internal.window.ProgressBuilder;
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
    return new Change(type, key, operation, value, oldValue, timestamp, txid, offset);
  }

  @Override
  public Progress progress(ProgressBuilder builder) {
    return new Progress(builder);
  }
}
