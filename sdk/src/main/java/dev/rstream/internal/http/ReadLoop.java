package dev.rstream.internal.http;

import static dev.rstream.internal.http.StreamEndpoint.STREAM_CLOSED;
import static dev.rstream.internal.http.StreamEndpoint.STREAM_CURSOR;
import static dev.rstream.internal.http.StreamEndpoint.STREAM_NEXT_OFFSET;
import static dev.rstream.internal.http.StreamEndpoint.STREAM_UP_TO_DATE;
import static java.util.concurrent.TimeUnit.MILLISECONDS;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.RStreamException;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.retry.Recovery;
import dev.rstream.internal.retry.RetryableFailure;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okio.ByteString;
import org.jspecify.annotations.Nullable;

/**
 * The state machine of one read: catch-up GETs until up to date, then long-poll or SSE, with
 * reconnects and retries, always resuming from the last offset delivered downstream. Each {@link
 * #step()} blocks for at most one exchange and returns at most one batch. Driven by one thread at a
 * time ({@link ReadFlowable}'s worker); {@link #cancel()} may come from any thread.
 */
final class ReadLoop<T> {
  private static final Logger logger = Logger.getLogger(ReadLoop.class.getName());

  /** The largest decoded catch-up body after which the next page is asked for ahead. */
  static final long PREFETCH_MAX_BODY_BYTES = 4L << 20;

  /** The largest body of a stream that is not JSON, decoded whole as one batch. */
  static final long MAX_BYTES_BODY = 64L << 20;

  /** SSE connections shorter than this that deliver nothing look like a buffering proxy. */
  static final long QUICK_SSE_FAILURE_MILLIS = 1000;

  /**
   * A long-poll answer or an SSE connection quicker than this that moves the read nowhere is a
   * stall: a server waiting for data as the protocol says takes far longer.
   */
  static final long STALL_MILLIS = 1000;

  /** After this many such connections in a row, AUTO falls back to long-poll. */
  static final int QUICK_SSE_FAILURES_BEFORE_FALLBACK = 3;

  enum Phase {
    CATCH_UP,
    LONG_POLL,
    SSE
  }

  /** What one step produced: a batch, and/or an end, or a delay before the next step. */
  static final class Step<T> {
    final @Nullable ReadBatch<T> batch;
    final boolean complete;
    final @Nullable Throwable error;
    final long delayMillis;

    private Step(
        @Nullable ReadBatch<T> batch,
        boolean complete,
        @Nullable Throwable error,
        long delayMillis) {
      this.batch = batch;
      this.complete = complete;
      this.error = error;
      this.delayMillis = delayMillis;
    }
  }

  private final StreamEndpoint endpoint;
  private final ReadOptions options;
  private final MessageDecoder<T> decoder;
  private final OkHttpClient liveClient;
  private final Recovery recovery;
  private final @Nullable RetryListener retryListener;

  /** Whether the listener heard a retry and has not yet heard the server answer again. */
  private boolean retrying;

  private Offset offset;
  private @Nullable String cursor;
  private Phase phase = Phase.CATCH_UP;
  private boolean finished;
  private boolean lastUpToDate;

  /** The stream's content type, learnt from catch-up responses; SSE responses do not carry it. */
  private @Nullable MediaType streamType;

  /** Messages of the current response already delivered: skipped when the response is re-read. */
  private int skipMessages;

  private @Nullable BatchSource<T> source;
  private int quickSseFailures;

  /** When the current request was sent, on the scheduler's clock. */
  private long sentAt;

  /** Whether the read moved on since the current request was sent. */
  private boolean advancedSinceSent;

  private volatile @Nullable Call call;
  private volatile @Nullable Call probeCall;
  private volatile @Nullable Prefetch prefetch;
  private volatile boolean cancelled;

  ReadLoop(
      StreamEndpoint endpoint,
      ReadOptions options,
      MessageDecoder<T> decoder,
      RetryListener retryListener) {
    this.endpoint = endpoint;
    this.options = options;
    this.decoder = decoder;
    this.offset = options.offset();
    this.cursor = options.cursor();
    this.recovery = new Recovery(endpoint.retryPolicy());
    this.retryListener = retryListener;
    // A live read from the tail needs no catch-up: the server waits at once (spec 8), saving a
    // round trip. SSE learns whether data events carry JSON when the first one arrives.
    if (offset.isNow() && options.liveMode() == LiveMode.LONG_POLL) phase = Phase.LONG_POLL;
    if (offset.isNow()
        && (options.liveMode() == LiveMode.SSE || options.liveMode() == LiveMode.AUTO)) {
      phase = Phase.SSE;
    }
    OkHttpClient client = endpoint.client();
    // newBuilder() shares the connection pool and dispatcher: only the timeout differs.
    this.liveClient =
        options.liveMode() == LiveMode.OFF
            ? client
            : client
                .newBuilder()
                .readTimeout(options.liveReadTimeoutMillis(), MILLISECONDS)
                .build();
  }

  Step<T> step() {
    try {
      if (finished) return new Step<>(null, true, null, -1);
      if (source == null) {
        source = open();
        if (source == null) return new Step<>(null, false, null, -1);
      }
      ReadBatch<T> batch = source.next();
      if (batch == null) {
        BatchSource<T> ended = source;
        source = null;
        ended.close();
        return new Step<>(null, false, null, onSourceEnded(ended));
      }
      return deliver(batch);
    } catch (RetryableFailure failure) {
      return retryAfter(failure);
    } catch (JsonProcessingException e) {
      // Jackson reports only what the bytes say, and OkHttp's body stream ends only when the body
      // is complete by its framing (Content-Length met, chunked terminator read, or the connection
      // closed a close-delimited body); a body cut short of that throws an IOException from the
      // stream ("unexpected end of stream"), which Jackson passes on and the branch below retries.
      // So malformed JSON here, even JSON that stops early, is what the server meant to send:
      // asking again would only hide the server's bug, or loop on the same bytes behind a cache.
      return fail(
          new ProtocolException(
              "malformed JSON: " + e.getOriginalMessage(),
              endpoint.displayUrl(),
              offset,
              currentStatus(),
              e));
    } catch (IOException e) {
      if (cancelled) return new Step<>(null, true, null, -1);
      return retryAfter(HttpFailures.network(e));
    } catch (Throwable t) {
      return fail(t);
    }
  }

  /** Tells the listener, once per run of retries, that the server answers again. */
  private void answered() {
    RetryListener listener = retryListener;
    if (retrying && listener != null) {
      retrying = false;
      listener.recovered();
    }
  }

  private int currentStatus() {
    return source != null ? source.status() : 0;
  }

  private Step<T> fail(Throwable t) {
    closeSource();
    finished = true;
    return new Step<>(null, false, t, -1);
  }

  private Step<T> retryAfter(RetryableFailure failure) {
    BatchSource<T> broken = source;
    if (broken != null) {
      // Resume mid-response without repeating: the re-read response starts with these messages.
      skipMessages += broken.deliveredMessages();
    }
    closeSource();
    // Whatever was up to date before the failure is not known to be now: the next up-to-date
    // answer goes downstream even if it brings nothing, so a consumer can tell it caught up again.
    lastUpToDate = false;
    long delay = recovery.onFailure(failure, endpoint.scheduler().now(MILLISECONDS));
    if (delay < 0) {
      finished = true;
      return new Step<>(null, false, recovery.gaveUp(failure, endpoint.displayUrl(), offset), -1);
    }
    if (logger.isLoggable(Level.FINE)) {
      logger.fine(
          endpoint.displayUrl()
              + " at "
              + offset
              + ": "
              + failure.getMessage()
              + ", retry "
              + recovery.retries()
              + " in "
              + delay
              + " ms");
    }
    RetryListener listener = retryListener;
    if (listener != null) {
      retrying = true;
      listener.retrying(failure, delay);
    }
    return new Step<>(null, false, null, delay);
  }

  /** Applies a batch to the read's position and decides whether it goes downstream. */
  private Step<T> deliver(ReadBatch<T> batch) throws ProtocolException {
    answered();
    if (batch.partial()) {
      recovery.onProgress();
      return new Step<>(batch, false, null, -1);
    }
    Offset next = batch.nextOffset();
    if (!offset.isStart() && !offset.isNow() && next.compareTo(offset) < 0) {
      throw new ProtocolException(
          "offset went backwards to " + next, endpoint.displayUrl(), offset, batch.status(), null);
    }
    boolean hasData = !batch.messages().isEmpty() || batch.bytes().size() > 0;
    if (hasData && next.equals(offset) && !offset.isStart() && !offset.isNow()) {
      // Asking from the offset after the data would bring the same data again, forever.
      throw new ProtocolException(
          "data followed by the same offset " + offset,
          endpoint.displayUrl(),
          offset,
          batch.status(),
          null);
    }
    long stallDelay = -1;
    if (!next.equals(offset) || hasData || batch.streamClosed()) {
      recovery.onAdvance();
      advancedSinceSent = true;
    } else if (phase == Phase.LONG_POLL
        && endpoint.scheduler().now(MILLISECONDS) - sentAt < STALL_MILLIS) {
      stallDelay = stall(batch.status());
    }
    if (phase == Phase.CATCH_UP
        && next.equals(offset)
        && !batch.upToDate()
        && !batch.streamClosed()
        && batch.messages().isEmpty()
        && batch.bytes().size() == 0
        && !offset.isStart()) {
      // Asking again would get the same answer forever: a server bug, not a reason to spin.
      throw new ProtocolException(
          "catch-up response made no progress and is not up to date",
          endpoint.displayUrl(),
          offset,
          batch.status(),
          null);
    }
    boolean changed =
        !next.equals(offset)
            || batch.streamClosed()
            || batch.upToDate() != lastUpToDate
            || !batch.messages().isEmpty()
            || batch.bytes().size() > 0;
    offset = next;
    skipMessages = 0;
    if (batch.cursor() != null) cursor = batch.cursor();
    lastUpToDate = batch.upToDate();
    boolean complete = batch.streamClosed();
    if (options.endOffset() != null && next.compareTo(options.endOffset()) >= 0) complete = true;
    if (batch.upToDate() && phase == Phase.CATCH_UP) {
      if (options.liveMode() == LiveMode.OFF) complete = true;
      else phase = options.liveMode() == LiveMode.LONG_POLL ? Phase.LONG_POLL : Phase.SSE;
    }
    if (complete) {
      finished = true;
      closeSource();
    }
    // Any complete answer is health, even a 204 that changed nothing: sporadic failures hours
    // apart must not add up to the policy's limit.
    recovery.onProgress();
    return new Step<>(changed ? batch : null, complete, null, complete ? -1 : stallDelay);
  }

  /** The delay before asking again after a stall; no progress for too long is a protocol error. */
  private long stall(int status) throws ProtocolException {
    long delay = recovery.onStall();
    if (delay < 0) {
      throw new ProtocolException(
          "no progress: the server answered "
              + Recovery.MAX_STALLS
              + " times in a row at once without moving on from offset "
              + offset,
          endpoint.displayUrl(),
          offset,
          status,
          null);
    }
    return delay;
  }

  /** The delay before the next request, after a response or connection ended normally. */
  private long onSourceEnded(BatchSource<T> ended) throws RetryableFailure, ProtocolException {
    if (!(ended instanceof SseSource)) return -1;
    SseSource<T> sse = (SseSource<T>) ended;
    long lived = endpoint.scheduler().now(MILLISECONDS) - sse.openedAt();
    if (sse.controlEvents() > 0) {
      quickSseFailures = 0;
      // The server cycled a healthy connection: reconnect at once. One that ended quickly without
      // moving the read on is a stall, backed off, and an error if it keeps coming.
      if (advancedSinceSent || lived >= STALL_MILLIS) return -1;
      return stall(sse.status());
    }
    if (lived < QUICK_SSE_FAILURE_MILLIS) quickSseFailures++;
    if (options.liveMode() == LiveMode.AUTO
        && quickSseFailures >= QUICK_SSE_FAILURES_BEFORE_FALLBACK) {
      logger.info(
          endpoint.displayUrl()
              + ": SSE connections end without events, "
              + "falling back to long-poll");
      phase = Phase.LONG_POLL;
      return -1;
    }
    throw new RetryableFailure("SSE connection ended without an event", 200, 0, null);
  }

  /** Sends the next request for the current phase; null if it needs no body reading. */
  private @Nullable BatchSource<T> open() throws IOException, RetryableFailure {
    Map<String, String> query = new TreeMap<>();
    query.put("offset", offset.value());
    OkHttpClient client = endpoint.client();
    Map<String, String> extra = options.headers();
    if (phase == Phase.LONG_POLL) {
      query.put("live", "long-poll");
      if (cursor != null) query.put("cursor", cursor);
      client = liveClient;
    } else if (phase == Phase.SSE) {
      query.put("live", "sse");
      if (cursor != null) query.put("cursor", cursor);
      client = liveClient;
    }
    Prefetch ahead = takePrefetch();
    sentAt = endpoint.scheduler().now(MILLISECONDS);
    advancedSinceSent = false;
    Response response;
    if (ahead != null) {
      call = ahead.call;
      if (cancelled) ahead.abandon();
      response = ahead.await();
    } else {
      Request.Builder builder = endpoint.newRequest(query, extra);
      if (phase == Phase.SSE) builder.header("Accept", "text/event-stream");
      Call newCall = client.newCall(builder.get().build());
      call = newCall;
      if (cancelled) newCall.cancel();
      response = newCall.execute();
    }
    boolean handedOver = false;
    try {
      if (phase == Phase.SSE) {
        if (sseUnavailable(response)) {
          return null;
        }
        HttpFailures.check(response, endpoint.displayUrl(), offset);
        String type = response.header("Content-Type");
        MediaType mediaType = type != null ? MediaType.parse(type) : null;
        if (mediaType == null
            || !"text".equals(mediaType.type())
            || !"event-stream".equals(mediaType.subtype())) {
          throw new ProtocolException(
              "SSE response has content type " + type,
              endpoint.displayUrl(),
              offset,
              response.code(),
              null);
        }
        recovery.onConnected(endpoint.scheduler().now(MILLISECONDS));
        answered();
        SseSource<T> sse =
            new SseSource<>(
                response,
                decoder,
                this::streamIsJson,
                offset,
                endpoint.displayUrl(),
                endpoint.scheduler().now(MILLISECONDS));
        handedOver = true;
        return sse;
      }
      HttpFailures.check(response, endpoint.displayUrl(), offset);
      Offset next = nextOffset(response);
      boolean upToDate = "true".equalsIgnoreCase(response.header(STREAM_UP_TO_DATE));
      boolean closed = "true".equalsIgnoreCase(response.header(STREAM_CLOSED));
      String newCursor = response.header(STREAM_CURSOR);
      if (response.code() == 204) {
        ReadBatch<T> batch =
            ReadBatch.<T>builder()
                .startOffset(offset)
                .nextOffset(next)
                .upToDate(upToDate || phase == Phase.LONG_POLL)
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
      BatchSource<T> result;
      if (isJson(mediaType)) {
        if (phase == Phase.CATCH_UP
            && !upToDate
            && !closed
            && !next.equals(offset)
            && (options.endOffset() == null || next.compareTo(options.endOffset()) < 0)
            && !response.body().source().request(PREFETCH_MAX_BODY_BYTES + 1)
            && endsAnArray(response.body().source().getBuffer())) {
          // The whole body is here: ask for the next page while this one is decoded. (A body
          // that ends inside its JSON fails the read, so asking ahead for it would be wasted.)
          prefetchFrom(next, extra);
        }
        result =
            new JsonResponseSource<>(
                response, decoder, template, offset, options.maxBatchMessages(), skipMessages);
      } else {
        ByteString bytes = boundedBody(response);
        result = new SingleBatchSource<>(template.bytes(bytes).build());
        response.close();
      }
      handedOver = true;
      return result;
    } finally {
      if (!handedOver) response.close();
    }
  }

  /**
   * The whole body of a response that is not JSON, at most {@link #MAX_BYTES_BODY} bytes: a bigger
   * one is the server's error (its pages are far smaller), refused before it fills the heap.
   */
  private ByteString boundedBody(Response response) throws IOException {
    long declared = response.body().contentLength();
    okio.BufferedSource body = response.body().source();
    if (declared > MAX_BYTES_BODY || body.request(MAX_BYTES_BODY + 1)) {
      throw new ProtocolException(
          "body larger than " + MAX_BYTES_BODY + " bytes",
          endpoint.displayUrl(),
          offset,
          response.code(),
          null);
    }
    return body.readByteString();
  }

  /**
   * Under AUTO, a server that does not serve SSE answers with a client error or another content
   * type: switch to long-poll for the rest of the read instead of failing.
   */
  private boolean sseUnavailable(Response response) {
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
      phase = Phase.LONG_POLL;
    }
    return unavailable;
  }

  private Offset nextOffset(Response response) throws ProtocolException {
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
  private boolean streamIsJson() throws IOException, RetryableFailure {
    MediaType known = streamType;
    if (known != null) return isJson(known);
    Call head =
        endpoint
            .client()
            .newCall(
                endpoint
                    .newRequest(java.util.Collections.emptyMap(), options.headers())
                    .head()
                    .build());
    probeCall = head;
    if (cancelled) head.cancel();
    try (Response response = head.execute()) {
      HttpFailures.check(response, endpoint.displayUrl(), offset);
      String type = response.header("Content-Type");
      MediaType mediaType = type != null ? MediaType.parse(type) : null;
      // Without a type the data is bytes, as for a catch-up response without one.
      if (mediaType != null) streamType = mediaType;
      return isJson(mediaType);
    } finally {
      probeCall = null;
    }
  }

  static boolean isJson(@Nullable MediaType type) {
    return type != null
        && "application".equals(type.type())
        && ("json".equals(type.subtype()) || type.subtype().endsWith("+json"));
  }

  void cancel() {
    cancelled = true;
    Call current = call;
    if (current != null) current.cancel();
    Prefetch ahead = prefetch;
    if (ahead != null) ahead.abandon();
    Call probe = probeCall;
    if (probe != null) probe.cancel();
  }

  /** Releases the open response, if any. Called on the loop's thread. */
  void close() {
    closeSource();
  }

  private void closeSource() {
    BatchSource<T> current = source;
    source = null;
    if (current != null) current.close();
    Prefetch ahead = prefetch;
    prefetch = null;
    if (ahead != null) ahead.abandon();
  }

  /** Whether the body's last byte other than JSON whitespace is {@code ]}. */
  private static boolean endsAnArray(okio.Buffer body) {
    for (long i = body.size() - 1; i >= 0; i--) {
      byte b = body.getByte(i);
      if (b == ']') return true;
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return false;
    }
    return false;
  }

  private void prefetchFrom(Offset next, Map<String, String> extra) {
    Request request;
    try {
      request =
          endpoint
              .newRequest(java.util.Collections.singletonMap("offset", next.value()), extra)
              .get()
              .build();
    } catch (RStreamException e) {
      // No token for it: the page in hand is delivered first, and the next request fails in turn.
      return;
    }
    prefetch = new Prefetch(next, endpoint.client().newCall(request));
  }

  /**
   * The page asked for ahead, if it is the one this request needs: a catch-up read from where the
   * last page ended, nothing skipped. Any other is abandoned.
   */
  private @Nullable Prefetch takePrefetch() {
    Prefetch ahead = prefetch;
    prefetch = null;
    if (ahead == null) return null;
    if (phase == Phase.CATCH_UP && skipMessages == 0 && ahead.offset.equals(offset) && !cancelled) {
      return ahead;
    }
    ahead.abandon();
    return null;
  }

  /**
   * The next catch-up page, asked for as soon as the current page's body has arrived, so that the
   * server prepares it (reads, frames, compresses) while the client decodes the current one: the
   * two no longer wait on each other, which measured about 0.7x the time of reading page after page
   * (BENCHMARKS.md, figure 1). One page ahead at most, and only for a body of at most {@link
   * #PREFETCH_MAX_BODY_BYTES}, so the memory it costs is bounded; a retry, a failure, the end of
   * the read or a cancel abandons it (closing its response if one came).
   */
  private static final class Prefetch implements Callback {
    final Offset offset;
    final Call call;
    private @Nullable Response response;
    private @Nullable IOException failure;
    private boolean done;
    private boolean abandoned;

    Prefetch(Offset offset, Call call) {
      this.offset = offset;
      this.call = call;
      call.enqueue(this);
    }

    @Override
    public void onResponse(Call call, Response response) {
      synchronized (this) {
        if (!abandoned) {
          this.response = response;
          done = true;
          notifyAll();
          return;
        }
      }
      response.close();
    }

    @Override
    public synchronized void onFailure(Call call, IOException e) {
      failure = e;
      done = true;
      notifyAll();
    }

    /** The response, once its headers are in; a failure is thrown as the request's would be. */
    synchronized Response await() throws IOException {
      while (!done) {
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          abandon();
          throw new java.io.InterruptedIOException("interrupted waiting for the next page");
        }
      }
      IOException failed = failure;
      if (failed != null) throw failed;
      if (abandoned) throw new IOException("Canceled");
      Response ready = java.util.Objects.requireNonNull(response);
      response = null;
      return ready;
    }

    void abandon() {
      call.cancel();
      Response unread;
      synchronized (this) {
        abandoned = true;
        unread = response;
        response = null;
      }
      if (unread != null) unread.close();
    }
  }

  /** Something that yields the batches of one response or connection. */
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

  static final class SingleBatchSource<T> implements BatchSource<T> {
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
}
