package dev.rstream.internal;

import dev.rstream.Change;
import dev.rstream.Offset;
import dev.rstream.Progress;
import dev.rstream.RStreamClient;
import dev.rstream.internal.window.ProgressBuilder;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The one way internal code reaches what the public API keeps from apps. {@link RStreamClient} sets
 * the only instance in its static initializer, so every public class's package-private parts are
 * reached through one place rather than a hook per class.
 */
public abstract class Internal {
  private static volatile @Nullable Internal instance;

  /** Called once, by {@link RStreamClient}'s static initializer. */
  public static void initialize(Internal internal) {
    instance = internal;
  }

  /** The instance; initializes {@link RStreamClient} first if nothing has yet. */
  public static Internal instance() {
    Internal result = instance;
    if (result == null) {
      RStreamClient.builder(); // initializes RStreamClient, which sets the instance
      result = instance;
      if (result == null) throw new IllegalStateException("RStreamClient did not set Internal");
    }
    return result;
  }

  /**
   * A change from fields the caller has already checked as {@link Change.Builder} would (type and
   * key non-empty, each value one compact JSON value, a value unless a delete): the decoder copies
   * values through a JSON generator, so parsing them again would double the cost of reading.
   */
  public abstract Change trustedChange(
      Change.Operation operation,
      String type,
      String key,
      @Nullable String value,
      @Nullable String oldValue,
      @Nullable Instant timestamp,
      @Nullable String txid,
      @Nullable Offset offset);

  /** The progress {@code builder} holds; the builder checked each field as it was set. */
  public abstract Progress progress(ProgressBuilder builder);
}
