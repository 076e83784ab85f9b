package dev.rstream.internal.state;

import dev.rstream.Change;
import dev.rstream.Offset;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Lets the decoder set JSON values it has already validated without {@link Change.Builder}
 * parsing them again. {@link Change} installs the only instance when its class initializes.
 */
public abstract class TrustedChanges {
  private static volatile @Nullable TrustedChanges instance;

  /** Called once, by {@link Change}'s static initializer. */
  public static void install(TrustedChanges trusted) {
    instance = trusted;
  }

  static TrustedChanges get() {
    TrustedChanges result = instance;
    if (result == null) {
      Change.builder(); // initializes Change, which installs the instance
      result = instance;
      if (result == null) throw new IllegalStateException("Change did not install TrustedChanges");
    }
    return result;
  }

  /**
   * A change from fields the decoder has checked (type and key non-empty, a value unless a
   * delete): no builder and no second check per message.
   */
  public abstract Change change(
      Change.Operation operation,
      String type,
      String key,
      @Nullable String value,
      @Nullable String oldValue,
      @Nullable Instant timestamp,
      @Nullable String txid,
      @Nullable Offset offset);

  /** Sets value and old value on {@code builder} without checking them. */
  public abstract Change.Builder values(
      Change.Builder builder, @Nullable String value, @Nullable String oldValue);
}
