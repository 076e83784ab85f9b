package dev.rstream.internal.window;

import dev.rstream.Keyframe;
import dev.rstream.NotAStateStreamException;
import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.RetryPolicy;
import dev.rstream.TokenSupplier;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.http.ContentTypes;
import dev.rstream.internal.http.ReadFlowable;
import dev.rstream.internal.http.RetryListener;
import dev.rstream.internal.http.StreamCalls;
import dev.rstream.internal.http.StreamEndpoint;
import dev.rstream.internal.producer.RealIdempotentProducer;
import dev.rstream.internal.state.NotStateMessageException;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.state.StateMessageDecoder;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Logger;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/** {@link StreamSource} over the transport: the stream and {@code {url}.keyframes}. */
public final class DurableStreamSource implements StreamSource {
  private static final Logger log = Logger.getLogger(DurableStreamSource.class.getName());

  private final StreamCalls stream;
  private final StreamEndpoint index;

  private DurableStreamSource(StreamEndpoint stream, StreamEndpoint index) {
    this.stream = new StreamCalls(stream);
    this.index = index;
  }

  /**
   * The source of the stream at {@code url}, whose requests go through {@code client}, retry
   * transient failures by {@code retryPolicy} (timed on {@code scheduler}) and carry a bearer token
   * from {@code tokens} if set.
   */
  public static DurableStreamSource create(
      HttpUrl url,
      OkHttpClient client,
      RetryPolicy retryPolicy,
      Scheduler scheduler,
      @Nullable TokenSupplier tokens) {
    int last = url.pathSize() - 1;
    HttpUrl indexUrl =
        url.newBuilder().setPathSegment(last, url.pathSegments().get(last) + ".keyframes").build();
    return new DurableStreamSource(
        endpoint(url, client, retryPolicy, scheduler, tokens),
        endpoint(indexUrl, client, retryPolicy, scheduler, tokens));
  }

  private static StreamEndpoint endpoint(
      HttpUrl url,
      OkHttpClient client,
      RetryPolicy retryPolicy,
      Scheduler scheduler,
      @Nullable TokenSupplier tokens) {
    return new StreamEndpoint(
        url,
        client,
        retryPolicy,
        scheduler,
        Collections.emptyMap(),
        Collections.emptyMap(),
        tokens);
  }

  @Override
  public String url() {
    return stream.endpoint().url().toString();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Fails with {@link NotAStateStreamException} on the first response that is not JSON or holds
   * a message that is not State Protocol: a read of such a stream would otherwise go on forever
   * with nothing to apply (docs/PROTOCOL.md section 3.0).
   */
  @Override
  public Flowable<ReadBatch<StateMessage>> read(ReadOptions options) {
    return read(options, RetryListener.NONE);
  }

  /** {@inheritDoc} */
  @Override
  public Flowable<ReadBatch<StateMessage>> read(ReadOptions options, RetryListener listener) {
    // The decoder reuses a buffer: one per subscription.
    return Flowable.defer(
            () ->
                new ReadFlowable<>(stream.endpoint(), options, new StateMessageDecoder(), listener))
        .doOnNext(this::requireJson)
        .onErrorResumeNext(error -> Flowable.error(notStateMessage(error)));
  }

  private void requireJson(ReadBatch<StateMessage> batch) {
    String type = batch.contentType();
    MediaType mediaType = type != null ? MediaType.parse(type) : null;
    // Data as bytes means the transport did not take the stream for JSON; the type of an SSE
    // response is the event stream's, not the stream's, so it tells nothing.
    boolean bytes = batch.bytes().size() > 0;
    boolean otherType =
        mediaType != null
            && !ContentTypes.isJson(mediaType)
            && !ContentTypes.isEventStream(mediaType);
    if (bytes || otherType) {
      throw new NotAStateStreamException(
          "not a state stream: "
              + (type != null ? "its content type is " + type : "it has no content type")
              + ", not application/json with State Protocol messages",
          url(),
          batch.startOffset(),
          batch.status(),
          type,
          0,
          null);
    }
  }

  /** A message the decoder rejected as not State Protocol, as the typed error that says so. */
  private Throwable notStateMessage(Throwable error) {
    if (!(error instanceof ProtocolException) || error instanceof NotAStateStreamException)
      return error;
    ProtocolException failure = (ProtocolException) error;
    for (Throwable cause = error.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof NotStateMessageException) {
        NotStateMessageException rejected = (NotStateMessageException) cause;
        // The transport names the offset its failed response was read from.
        Offset at = rejected.from() != null ? rejected.from() : failure.offset();
        return new NotAStateStreamException(
            "not a state stream: message "
                + rejected.message()
                + " read from offset "
                + (at != null ? at.value() : "?")
                + " is not a State Protocol message: "
                + rejected.reason(),
            url(),
            at,
            failure.status(),
            null,
            rejected.message(),
            error);
      }
    }
    return error;
  }

  @Override
  public Single<Offset> tail() {
    return stream
        .head(Collections.emptyMap())
        .map(
            info -> {
              Offset next = info.nextOffset();
              if (next == null) {
                throw new ProtocolException(
                    "HEAD response has no Stream-Next-Offset", url(), null, 200, null);
              }
              return next;
            });
  }

  @Override
  public dev.rstream.durable.IdempotentProducer producer(
      dev.rstream.durable.ProducerOptions options) {
    return new RealIdempotentProducer(stream, options);
  }

  @Override
  public Single<dev.rstream.durable.AppendResult> appendAs(
      String producerId, long epoch, long seq, byte[] jsonBody) {
    return stream.append(
        jsonBody,
        "application/json",
        null,
        false,
        new StreamCalls.ProducerHeaders(producerId, epoch, seq),
        Collections.emptyMap());
  }

  /**
   * The offset after an append, from its answer.
   *
   * @throws ProtocolException if the answer names none
   */
  public static Offset appendedOffset(dev.rstream.durable.AppendResult result, String url)
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
    return readIndex(options, RetryListener.NONE);
  }

  @Override
  public Flowable<ReadBatch<Keyframe>> readIndex(ReadOptions options, RetryListener listener) {
    return new ReadFlowable<>(index, options, KeyframeDecoder.LENIENT, listener)
        .map(this::readable);
  }

  /**
   * The batch's keyframes. An entry that cannot be read is skipped with a warning: the index is a
   * hint (docs/PROTOCOL.md 3.4), so one bad entry must not stop every reader of the stream.
   */
  private ReadBatch<Keyframe> readable(ReadBatch<KeyframeDecoder.Entry> batch) {
    List<Keyframe> keyframes = new ArrayList<>(batch.messages().size());
    for (KeyframeDecoder.Entry entry : batch.messages()) {
      Keyframe keyframe = entry.keyframe();
      if (keyframe != null) {
        keyframes.add(keyframe);
      } else {
        log.warning(index.displayUrl() + ": skipping keyframe index entry: " + entry.problem());
      }
    }
    return ReadBatch.<Keyframe>builder()
        .messages(keyframes)
        .bytes(batch.bytes())
        .startOffset(batch.startOffset())
        .nextOffset(batch.nextOffset())
        .partial(batch.partial())
        .upToDate(batch.upToDate())
        .streamClosed(batch.streamClosed())
        .cursor(batch.cursor())
        .status(batch.status())
        .contentType(batch.contentType())
        .headers(batch.headers())
        .build();
  }
}
