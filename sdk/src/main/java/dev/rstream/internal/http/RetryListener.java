package dev.rstream.internal.http;

/**
 * Hears a read's transport retry invisibly to its subscriber: the live cursor reports it as {@code
 * RECONNECTING}. Called on the read's worker thread, in order with its batches; must not block.
 * Given to {@link ReadFlowable} beside the read's options: it is a hook between two internal parts,
 * not an option for apps.
 */
public interface RetryListener {
  /** Hears nothing. */
  RetryListener NONE =
      new RetryListener() {
        @Override
        public void retrying(Throwable cause, long delayMillis) {}

        @Override
        public void recovered() {}
      };

  /** The last attempt failed with {@code cause}; the next one starts in {@code delayMillis}. */
  void retrying(Throwable cause, long delayMillis);

  /** The server answered again after one or more {@link #retrying} calls. */
  void recovered();
}
