package dev.rstream.internal.http;

import dev.rstream.durable.ReadBatch;
import org.jspecify.annotations.Nullable;

/**
 * What one {@link ReadLoop#step()} produced: a batch, and/or an end, or a delay before the next.
 */
final class ReadStep<T> {
  final @Nullable ReadBatch<T> batch;
  final boolean complete;
  final @Nullable Throwable error;
  final long delayMillis;

  ReadStep(
      @Nullable ReadBatch<T> batch, boolean complete, @Nullable Throwable error, long delayMillis) {
    this.batch = batch;
    this.complete = complete;
    this.error = error;
    this.delayMillis = delayMillis;
  }
}
