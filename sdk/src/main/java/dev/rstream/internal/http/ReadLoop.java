package dev.rstream.internal.http;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.retry.Recovery;
import dev.rstream.internal.retry.RetryableFailure;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * The state machine of one read: catch-up GETs until up to date, then long-poll or SSE, with
 * reconnects and retries (waited as {@link ReadRetries} says), always resuming from the last offset
 * delivered downstream. Each {@link #step()} blocks for at most one exchange and returns at most
 * one batch. Driven by one thread at a time ({@link ReadFlowable}'s worker); {@link #cancel()} may
 * come from any thread.
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

  private final StreamEndpoint endpoint;
  private final ReadOptions options;
  private final OkHttpClient liveClient;
  private final Recovery recovery;
  private final ReadRetries retries;
  private final ResponseReader<T> responses;

  private Offset offset;
  private @Nullable String cursor;
  private Phase phase = Phase.CATCH_UP;
  private boolean finished;
  private boolean lastUpToDate;

  /** Messages of the current response already delivered: skipped when the response is re-read. */
  private int skipMessages;

  private @Nullable BatchSource<T> source;
  private int quickSseFailures;

  /** When the current request was sent, on the scheduler's clock. */
  private long sentAt;

  /** Whether the read moved on since the current request was sent. */
  private boolean advancedSinceSent;

  private volatile @Nullable Call call;
  private volatile @Nullable PagePrefetch prefetch;
  private volatile boolean cancelled;

  ReadLoop(
      StreamEndpoint endpoint,
      ReadOptions options,
      MessageDecoder<T> decoder,
      RetryListener retryListener) {
    this.endpoint = endpoint;
    this.options = options;
    this.responses = new ResponseReader<>(endpoint, options, decoder);
    this.offset = options.offset();
    this.cursor = options.cursor();
    this.recovery = new Recovery(endpoint.retryPolicy());
    this.retries = new ReadRetries(endpoint, recovery, retryListener);
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

  ReadStep<T> step() {
    try {
      if (finished) return new ReadStep<>(null, true, null, -1);
      if (source == null) {
        source = open();
        if (source == null) return new ReadStep<>(null, false, null, -1);
      }
      ReadBatch<T> batch = source.next();
      if (batch == null) {
        BatchSource<T> ended = source;
        source = null;
        ended.close();
        return new ReadStep<>(null, false, null, onSourceEnded(ended));
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
      if (cancelled) return new ReadStep<>(null, true, null, -1);
      return retryAfter(HttpFailures.network(e));
    } catch (Throwable t) {
      return fail(t);
    }
  }

  private int currentStatus() {
    return source != null ? source.status() : 0;
  }

  private ReadStep<T> fail(Throwable t) {
    closeSource();
    finished = true;
    return new ReadStep<>(null, false, t, -1);
  }

  private ReadStep<T> retryAfter(RetryableFailure failure) {
    BatchSource<T> broken = source;
    if (broken != null) {
      // Resume mid-response without repeating: the re-read response starts with these messages.
      skipMessages += broken.deliveredMessages();
    }
    closeSource();
    // Whatever was up to date before the failure is not known to be now: the next up-to-date
    // answer goes downstream even if it brings nothing, so a consumer can tell it caught up again.
    lastUpToDate = false;
    long delay = retries.delayAfter(failure, offset);
    if (delay < 0) {
      finished = true;
      return new ReadStep<>(
          null, false, recovery.gaveUp(failure, endpoint.displayUrl(), offset), -1);
    }
    return new ReadStep<>(null, false, null, delay);
  }

  /** Applies a batch to the read's position and decides whether it goes downstream. */
  private ReadStep<T> deliver(ReadBatch<T> batch) throws ProtocolException {
    retries.answered();
    if (batch.partial()) {
      recovery.onProgress();
      return new ReadStep<>(batch, false, null, -1);
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
      stallDelay = retries.stall(batch.status(), offset);
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
    return new ReadStep<>(changed ? batch : null, complete, null, complete ? -1 : stallDelay);
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
      return retries.stall(sse.status(), offset);
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
    PagePrefetch ahead = takePrefetch();
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
      BatchSource<T> result;
      if (phase == Phase.SSE) {
        if (responses.sseUnavailable(response)) {
          phase = Phase.LONG_POLL;
          return null;
        }
        responses.checkEventStream(response, offset);
        recovery.onConnected(endpoint.scheduler().now(MILLISECONDS));
        retries.answered();
        result = responses.events(response, offset, () -> offset);
      } else {
        result =
            responses.page(response, offset, phase, skipMessages, next -> askAhead(next, extra));
      }
      handedOver = true;
      return result;
    } finally {
      if (!handedOver) response.close();
    }
  }

  void cancel() {
    cancelled = true;
    Call current = call;
    if (current != null) current.cancel();
    PagePrefetch ahead = prefetch;
    if (ahead != null) ahead.abandon();
    responses.cancel();
  }

  /** Releases the open response, if any. Called on the loop's thread. */
  void close() {
    closeSource();
  }

  private void closeSource() {
    BatchSource<T> current = source;
    source = null;
    if (current != null) current.close();
    PagePrefetch ahead = prefetch;
    prefetch = null;
    if (ahead != null) ahead.abandon();
  }

  private void askAhead(Offset next, Map<String, String> extra) {
    prefetch = PagePrefetch.ask(endpoint, next, extra);
  }

  /**
   * The page asked for ahead, if it is the one this request needs: a catch-up read from where the
   * last page ended, nothing skipped. Any other is abandoned.
   */
  private @Nullable PagePrefetch takePrefetch() {
    PagePrefetch ahead = prefetch;
    prefetch = null;
    if (ahead == null) return null;
    if (phase == Phase.CATCH_UP && skipMessages == 0 && ahead.offset.equals(offset) && !cancelled) {
      return ahead;
    }
    ahead.abandon();
    return null;
  }
}
