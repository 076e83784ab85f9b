package dev.rstream.internal.http;

import dev.rstream.durable.ReadBatch;
import org.jspecify.annotations.Nullable;

/** A response read whole into one batch: a 204, or a body that is not JSON. */
final class SingleBatchSource<T> implements BatchSource<T> {
  private @Nullable ReadBatch<T> batch;
  private final int status;

  SingleBatchSource(ReadBatch<T> batch) {
    this.batch = batch;
    this.status = batch.status();
  }

  @Override
  public @Nullable ReadBatch<T> next() {
    ReadBatch<T> result = batch;
    batch = null;
    return result;
  }

  @Override
  public int status() {
    return status;
  }

  @Override
  public void close() {}
}
