package dev.rstream.internal.window;

import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.http.RetryListener;
import dev.rstream.internal.state.StateMessage;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;

/**
 * The two streams a client reads for one state stream: the stream itself and its keyframe index
 * ({@code {stream}.keyframes}). Production reads them with {@code DurableStream}; tests use
 * scripted fakes. Both reads behave as {@code DurableStream.read}: cold, backpressured, transient
 * failures retried inside, {@code RStreamException}s otherwise.
 */
public interface StreamSource {
  /** The state stream's URL, for error messages and the local store's keys. */
  String url();

  /** Reads State Protocol messages from the state stream. */
  Flowable<ReadBatch<StateMessage>> read(ReadOptions options);

  /**
   * Reads as {@link #read(ReadOptions)} does, telling {@code listener} of each transport retry and
   * of the answer after them. A source whose reads never retry has nothing to tell: by default it
   * reads without the listener.
   */
  default Flowable<ReadBatch<StateMessage>> read(ReadOptions options, RetryListener listener) {
    return read(options);
  }

  /**
   * Reads the keyframe index. Fails with {@code StreamNotFoundException} if the stream has no
   * companion index.
   */
  Flowable<ReadBatch<Keyframe>> readIndex(ReadOptions options);

  /**
   * Reads the keyframe index, telling {@code listener} of retries; see {@link #read(ReadOptions,
   * RetryListener)}.
   */
  default Flowable<ReadBatch<Keyframe>> readIndex(ReadOptions options, RetryListener listener) {
    return readIndex(options);
  }

  /** The offset after the stream's last message now (a HEAD). */
  Single<Offset> tail();

  /** An idempotent producer on the stream. */
  dev.rstream.durable.IdempotentProducer producer(dev.rstream.durable.ProducerOptions options);

  /**
   * POSTs {@code jsonBody} (a JSON array) once as producer {@code producerId}'s append number
   * {@code seq} at {@code epoch}, retrying transient failures by the source's policy. The answer is
   * the server's; a duplicate it recognised answers with {@code duplicate()} set.
   */
  default Single<dev.rstream.durable.AppendResult> appendAs(
      String producerId, long epoch, long seq, byte[] jsonBody) {
    return Single.error(new UnsupportedOperationException("this source cannot append"));
  }
}
