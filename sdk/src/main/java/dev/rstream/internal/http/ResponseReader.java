package dev.rstream.internal.http;

import static dev.rstream.internal.http.StreamEndpoint.STREAM_CLOSED;
import static dev.rstream.internal.http.StreamEndpoint.STREAM_CURSOR;
import static dev.rstream.internal.http.StreamEndpoint.STREAM_NEXT_OFFSET;
import static dev.rstream.internal.http.StreamEndpoint.STREAM_UP_TO_DATE;
import static java.util.concurrent.TimeUnit.MILLISECONDS;

import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.retry.RetryableFailure;
import java.io.IOException;
import java.util.Collections;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.Response;
import okio.BufferedSource;
import okio.ByteString;
import org.jspecify.annotations.Nullable;

/**
 * Turns the responses of one {@link ReadLoop} into {@link BatchSource}s: checks an SSE response's
 * type, reads a catch-up or long-poll response's headers into its batch template, and decides
 * whether its body is JSON (decoded message by message) or bytes (read whole, bounded). Remembers
 * the stream's content type, and asks for it with a HEAD when an SSE read needs it. Used on the
 * loop's thread; {@link #cancel()} may come from any thread.
 */
final class ResponseReader<T> {
  private static final Logger logger = Logger.getLogger(ReadLoop.class.getName());

  private final StreamEndpoint endpoint;
  private final ReadOptions options;
  private final MessageDecoder<T> decoder;

  /** The stream's content type, learnt from catch-up responses; SSE responses do not carry it. */
  private @Nullable MediaType streamType;

  private volatile @Nullable Call probeCall;
  private volatile boolean cancelled;

  ResponseReader(StreamEndpoint endpoint, ReadOptions options, MessageDecoder<T> decoder) {
    this.endpoint = endpoint;
    this.options = options;
    this.decoder = decoder;
  }

  /**
   * Under AUTO, a server that does not serve SSE answers with a client error or another content
   * type: the read switches to long-poll for the rest of it instead of failing.
   */
  boolean sseUnavailable(Response response) {
    if (options.liveMode() != LiveMode.AUTO) return false;
    int code = response.code();
    boolean unavailable;
    if (code == 400 || code == 405 || code == 406 || code == 415 || code == 501) {
      unavailable = true;
    } else if (response.isSuccessful()) {
      MediaType type = MediaType.parse(String.valueOf(response.header("Content-Type")));
      unavailable = type == null || !"event-stream".equals(type.subtype());
    } else {
      unavailable = false;
    }
    if (unavailable) {
      logger.info(
          endpoint.displayUrl()
              + ": SSE not served (HTTP "
              + code
              + "), falling back to long-poll");
    }
    return unavailable;
  }

  /** Fails unless {@code response} is a successful {@code text/event-stream}. */
  void checkEventStream(Response response, Offset offset) throws IOException, RetryableFailure {
    HttpFailures.check(response, endpoint.displayUrl(), offset);
    String type = response.header("Content-Type");
    MediaType mediaType = type != null ? MediaType.parse(type) : null;
    if (!ContentTypes.isEventStream(mediaType)) {
      throw new ProtocolException(
          "SSE response has content type " + type,
          endpoint.displayUrl(),
          offset,
          response.code(),
          null);
    }
  }

  /**
   * The events of a checked SSE response, read from {@code offset}; {@code position} is where the
   * read stands when it asks whether the stream is JSON (for the error if that fails).
   */
  SseSource<T> events(Response response, Offset offset, Supplier<Offset> position) {
    return new SseSource<>(
        response,
        decoder,
        () -> streamIsJson(position.get()),
        offset,
        endpoint.displayUrl(),
        endpoint.scheduler().now(MILLISECONDS));
  }

  /**
   * The batches of a catch-up or long-poll response to a read from {@code offset}, skipping the
   * first {@code skipMessages} (delivered before a retry). Calls {@code askAhead} with the next
   * page's offset when this catch-up page's body is all here and another page follows.
   */
  BatchSource<T> page(
      Response response,
      Offset offset,
      ReadLoop.Phase phase,
      int skipMessages,
      Consumer<Offset> askAhead)
      throws IOException, RetryableFailure {
    HttpFailures.check(response, endpoint.displayUrl(), offset);
    Offset next = nextOffset(response, offset);
    boolean upToDate = "true".equalsIgnoreCase(response.header(STREAM_UP_TO_DATE));
    boolean closed = "true".equalsIgnoreCase(response.header(STREAM_CLOSED));
    String newCursor = response.header(STREAM_CURSOR);
    if (response.code() == 204) {
      ReadBatch<T> batch =
          ReadBatch.<T>builder()
              .startOffset(offset)
              .nextOffset(next)
              .upToDate(upToDate || phase == ReadLoop.Phase.LONG_POLL)
              .streamClosed(closed)
              .cursor(newCursor)
              .status(204)
              .contentType(response.header("Content-Type"))
              .headers(response.headers())
              .build();
      return new SingleBatchSource<>(batch);
    }
    String type = response.header("Content-Type");
    MediaType mediaType = type != null ? MediaType.parse(type) : null;
    if (mediaType != null) streamType = mediaType;
    ReadBatch.Builder<T> template =
        ReadBatch.<T>builder()
            .startOffset(offset)
            .nextOffset(next)
            .upToDate(upToDate)
            .streamClosed(closed)
            .cursor(newCursor)
            .status(response.code())
            .contentType(type)
            .headers(response.headers());
    if (!ContentTypes.isJson(mediaType)) {
      ByteString bytes = boundedBody(response, offset);
      BatchSource<T> result = new SingleBatchSource<>(template.bytes(bytes).build());
      response.close();
      return result;
    }
    Offset end = options.endOffset();
    if (phase == ReadLoop.Phase.CATCH_UP
        && !upToDate
        && !closed
        && !next.equals(offset)
        && (end == null || next.compareTo(end) < 0)
        && !response.body().source().request(ReadLoop.PREFETCH_MAX_BODY_BYTES + 1)
        && PagePrefetch.endsAnArray(response.body().source().getBuffer())) {
      // The whole body is here: ask for the next page while this one is decoded. (A body that
      // ends inside its JSON fails the read, so asking ahead for it would be wasted.)
      askAhead.accept(next);
    }
    return new JsonResponseSource<>(
        response, decoder, template, offset, options.maxBatchMessages(), skipMessages);
  }

  /**
   * The whole body of a response that is not JSON, at most {@link ReadLoop#MAX_BYTES_BODY} bytes: a
   * bigger one is the server's error (its pages are far smaller), refused before it fills the heap.
   */
  private ByteString boundedBody(Response response, Offset offset) throws IOException {
    long declared = response.body().contentLength();
    BufferedSource body = response.body().source();
    if (declared > ReadLoop.MAX_BYTES_BODY || body.request(ReadLoop.MAX_BYTES_BODY + 1)) {
      throw new ProtocolException(
          "body larger than " + ReadLoop.MAX_BYTES_BODY + " bytes",
          endpoint.displayUrl(),
          offset,
          response.code(),
          null);
    }
    return body.readByteString();
  }

  private Offset nextOffset(Response response, Offset offset) throws ProtocolException {
    String value = response.header(STREAM_NEXT_OFFSET);
    if (value == null) {
      throw new ProtocolException(
          "response has no " + STREAM_NEXT_OFFSET,
          endpoint.displayUrl(),
          offset,
          response.code(),
          null);
    }
    try {
      return Offset.of(value);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(
          "invalid " + STREAM_NEXT_OFFSET + ": " + e.getMessage(),
          endpoint.displayUrl(),
          offset,
          response.code(),
          e);
    }
  }

  /**
   * Whether the stream is JSON: known from a catch-up response, else asked with a HEAD. Only an SSE
   * read that skipped the catch-up (from {@link Offset#NOW}) and then got data needs the HEAD.
   */
  private boolean streamIsJson(Offset offset) throws IOException, RetryableFailure {
    MediaType known = streamType;
    if (known != null) return ContentTypes.isJson(known);
    Call head =
        endpoint
            .client()
            .newCall(endpoint.newRequest(Collections.emptyMap(), options.headers()).head().build());
    probeCall = head;
    if (cancelled) head.cancel();
    try (Response response = head.execute()) {
      HttpFailures.check(response, endpoint.displayUrl(), offset);
      String type = response.header("Content-Type");
      MediaType mediaType = type != null ? MediaType.parse(type) : null;
      // Without a type the data is bytes, as for a catch-up response without one.
      if (mediaType != null) streamType = mediaType;
      return ContentTypes.isJson(mediaType);
    } finally {
      probeCall = null;
    }
  }

  /** Cancels the HEAD in flight, if any, and any asked for after. */
  void cancel() {
    cancelled = true;
    Call probe = probeCall;
    if (probe != null) probe.cancel();
  }
}
