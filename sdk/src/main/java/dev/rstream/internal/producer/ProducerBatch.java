package dev.rstream.internal.producer;

import dev.rstream.durable.AppendResult;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.subjects.SingleSubject;
import java.util.Arrays;

/**
 * One request of a {@link RealIdempotentProducer}: the body its messages are copied into until it
 * is sealed, the epoch and sequence number it is sent with, and the one outcome all its messages
 * share. Guarded by the producer's lock but for its outcome.
 */
final class ProducerBatch {
  /** The smallest body a batch starts with. */
  static final int MIN_BODY_CAPACITY = 256;

  final boolean close;

  /** The outcome of every message of the batch; {@link #shared} is what appends return. */
  final SingleSubject<AppendResult> result = SingleSubject.create();

  final Single<AppendResult> shared = result.hide();

  /** The body being built until {@link #seal}, then exactly the body sent. */
  byte[] body;

  int size;
  int count;
  long epoch;
  long seq = -1;
  int gapRetries;

  ProducerBatch(boolean close, int capacity) {
    this.close = close;
    this.body = new byte[capacity];
  }

  /** Appends one message: raw bytes are concatenated, JSON values become array elements. */
  void add(byte[] data, boolean json) {
    ensureCapacity(size + data.length + 2); // room for the separator and the closing ']'
    if (json) body[size++] = (byte) (count == 0 ? '[' : ',');
    System.arraycopy(data, 0, body, size, data.length);
    size += data.length;
    count++;
  }

  void seal(boolean json) {
    if (json && count > 0) body[size++] = ']';
    if (body.length != size) body = Arrays.copyOf(body, size);
  }

  private void ensureCapacity(int needed) {
    if (needed < 0) throw new OutOfMemoryError("batch body over 2 GiB");
    if (needed <= body.length) return;
    body =
        Arrays.copyOf(
            body,
            Math.max(
                needed,
                (int)
                    Math.min(
                        Integer.MAX_VALUE - 8, Math.max(MIN_BODY_CAPACITY, 2L * body.length))));
  }

  void complete(AppendResult outcome) {
    result.onSuccess(outcome);
  }

  void fail(Throwable error) {
    result.onError(error);
  }
}
