package dev.rstream.internal.window;

import dev.rstream.DurableStream;
import dev.rstream.Keyframe;
import dev.rstream.ReadBatch;
import dev.rstream.ReadOptions;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.state.StateMessageDecoder;
import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;

/** {@link StreamSource} over the transport: the stream and {@code {url}.keyframes}. */
public final class DurableStreamSource implements StreamSource {
  private final DurableStream stream;
  private final DurableStream index;

  public DurableStreamSource(DurableStream stream) {
    this.stream = stream;
    okhttp3.HttpUrl url = stream.url();
    int last = url.pathSize() - 1;
    okhttp3.HttpUrl indexUrl =
        url.newBuilder().setPathSegment(last, url.pathSegments().get(last) + ".keyframes").build();
    this.index = stream.newBuilder().url(indexUrl).build();
  }

  @Override
  public String url() {
    return stream.url().toString();
  }

  @Override
  public Flowable<ReadBatch<StateMessage>> read(ReadOptions options) {
    // The decoder reuses a buffer: one per subscription.
    return Flowable.defer(() -> stream.read(options, new StateMessageDecoder()));
  }

  @Override
  public Single<Offset> tail() {
    return stream.head().map(info -> {
      Offset next = info.nextOffset();
      if (next == null) {
        throw new ProtocolException("HEAD response has no Stream-Next-Offset", url(), null, 200, null);
      }
      return next;
    });
  }

  @Override
  public dev.rstream.IdempotentProducer producer(dev.rstream.ProducerOptions options) {
    return stream.producer(options);
  }

  @Override
  public Single<Offset> append(byte[] jsonArray) {
    return stream
        .append(jsonArray, "application/json")
        .map(result -> appendedOffset(result, url()));
  }

  /**
   * The offset after an append, from its answer.
   *
   * @throws ProtocolException if the answer names none
   */
  public static Offset appendedOffset(dev.rstream.AppendResult result, String url)
      throws ProtocolException {
    Offset next = result.nextOffset();
    if (next == null) {
      throw new ProtocolException(
          "append response has no Stream-Next-Offset", url, null, result.status(), null);
    }
    return next;
  }

  @Override
  public Flowable<ReadBatch<Keyframe>> readIndex(ReadOptions options) {
    return index.read(options, KeyframeDecoder.INSTANCE);
  }
}
