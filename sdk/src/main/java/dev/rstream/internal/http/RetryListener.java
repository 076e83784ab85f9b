package dev.rstream.internal.http;

import dev.rstream.ReadOptions;
import org.jspecify.annotations.Nullable;

/**
 * Hears a read's transport retry invisibly to its subscriber: the live cursor reports it as
 * {@code RECONNECTING}. Called on the read's worker thread, in order with its batches; must not
 * block.
 *
 * <p>Attached to {@link ReadOptions} through {@link #attach}, not a public option: it is a hook
 * between two internal parts, not a contract for apps.
 */
public interface RetryListener {
  /** The last attempt failed with {@code cause}; the next one starts in {@code delayMillis}. */
  void retrying(Throwable cause, long delayMillis);

  /** The server answered again after one or more {@link #retrying} calls. */
  void recovered();

  /** Options as {@code options}, whose read reports its retries to {@code listener}. */
  static ReadOptions attach(ReadOptions options, RetryListener listener) {
    return Access.get().attach(options, listener);
  }

  /** The listener attached to {@code options}, if any. */
  static @Nullable RetryListener of(ReadOptions options) {
    return Access.get().listener(options);
  }

  /**
   * How this package reaches {@link ReadOptions}'s private field: {@code ReadOptions} installs it
   * in its static initializer (as OkHttp's {@code Internal} does), which has run by the time any
   * instance exists.
   */
  abstract class Access {
    private static volatile @Nullable Access instance;

    public static void install(Access access) {
      instance = access;
    }

    static Access get() {
      Access access = instance;
      if (access == null) throw new IllegalStateException("ReadOptions not initialized");
      return access;
    }

    public abstract ReadOptions attach(ReadOptions options, RetryListener listener);

    public abstract @Nullable RetryListener listener(ReadOptions options);
  }
}
