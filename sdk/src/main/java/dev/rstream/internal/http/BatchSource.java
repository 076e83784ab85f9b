package dev.rstream.internal.http;

import dev.rstream.RStreamException;
import dev.rstream.durable.ReadBatch;
import dev.rstream.internal.retry.RetryableFailure;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** Something that yields the batches of one response or connection of a {@link ReadLoop}. */
interface BatchSource<T> {
  /** The next batch, or null when the response ended normally. */
  @Nullable ReadBatch<T> next() throws IOException, RetryableFailure, RStreamException;

  /** Messages already returned as partial batches of this response. */
  default int deliveredMessages() {
    return 0;
  }

  int status();

  void close();
}
