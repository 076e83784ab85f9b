package dev.rstream.durable;

import static java.util.Objects.requireNonNull;

import dev.rstream.AuthenticationException;
import dev.rstream.ConflictException;
import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.RStreamException;
import dev.rstream.RetryPolicy;
import dev.rstream.SequenceRegressionException;
import dev.rstream.StreamNotFoundException;
import dev.rstream.TokenSupplier;
import dev.rstream.TransientException;
import dev.rstream.UnexpectedStatusException;
import dev.rstream.internal.http.JsonBodies;
import dev.rstream.internal.http.ReadFlowable;
import dev.rstream.internal.http.StreamCalls;
import dev.rstream.internal.http.StreamEndpoint;
import dev.rstream.internal.producer.RealIdempotentProducer;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.schedulers.Schedulers;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * A handle on one Durable Stream, identified by its URL. Immutable and thread-safe; cheap to create
 * (it shares the {@link OkHttpClient} it is given). Operations return cold Rx types: nothing is
 * sent until subscription, each subscription sends its own requests, and disposing cancels the HTTP
 * call in flight.
 *
 * <p>Unless a method says otherwise, results are delivered on OkHttp's dispatcher threads, or on
 * the builder's {@linkplain Builder#scheduler scheduler} after a retry delay. Transient failures
 * (network errors, 429, 5xx) are retried according to the {@link RetryPolicy}; when it gives up the
 * error is a {@link TransientException}. Other failures are the typed {@link RStreamException}
 * subclasses and are never retried.
 */
public final class DurableStream {
  final HttpUrl url;
  final OkHttpClient client;
  final RetryPolicy retryPolicy;
  final Scheduler scheduler;
  final Map<String, DynamicValue> headers;
  final Map<String, DynamicValue> params;
  final @Nullable TokenSupplier authToken;
  private final StreamCalls calls;

  private DurableStream(Builder builder) {
    this.url = requireNonNull(builder.url, "url == null");
    this.client = builder.client != null ? builder.client : DefaultClient.INSTANCE;
    this.retryPolicy = builder.retryPolicy;
    this.scheduler = builder.scheduler;
    this.headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(builder.headers));
    this.params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(builder.params));
    this.authToken = builder.authToken;
    this.calls =
        new StreamCalls(
            new StreamEndpoint(
                url, client, retryPolicy, scheduler, this.headers, this.params, authToken));
  }

  /**
   * The client of handles built without one: shared, because every {@code OkHttpClient} has its own
   * connection pool and threads. Created on first use, never shut down: a handle has no lifecycle
   * to end it with, so its dispatcher's threads are daemons, which do not keep a JVM alive once the
   * app's own threads end (OkHttp's default ones would, for a minute).
   */
  private static final class DefaultClient {
    static final OkHttpClient INSTANCE =
        new OkHttpClient.Builder()
            .dispatcher(
                new Dispatcher(
                    new ThreadPoolExecutor(
                        0,
                        Integer.MAX_VALUE,
                        60,
                        TimeUnit.SECONDS,
                        new SynchronousQueue<>(),
                        DefaultClient::daemon)))
            .build();

    private static Thread daemon(Runnable task) {
      Thread thread = new Thread(task, "rstream DurableStream dispatcher");
      thread.setDaemon(true);
      return thread;
    }
  }

  /** A builder; {@link Builder#url} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this stream's settings. */
  public Builder newBuilder() {
    return new Builder(this);
  }

  /** The stream's URL. */
  public HttpUrl url() {
    return url;
  }

  @Override
  public String toString() {
    return "DurableStream{" + calls.endpoint().displayUrl() + "}";
  }

  /**
   * Reads the stream from {@code options.offset()}, one {@link ReadBatch} per response (or per SSE
   * data event), decoding JSON messages with {@code decoder} as the body streams in.
   *
   * <p>Cold and backpressured: requests are sent only while downstream has outstanding demand, so a
   * slow consumer holds at most one batch and one open response. Blocking I/O runs on the builder's
   * {@linkplain Builder#scheduler scheduler} (by default {@link Schedulers#io()}); batches are
   * emitted there. Transient failures are retried according to the {@link RetryPolicy}, resuming
   * from the last offset delivered downstream, so no message is lost or repeated.
   *
   * <p>Completes once up to date when {@link LiveMode#OFF}, when {@link ReadOptions#endOffset()} is
   * reached, or when the stream is closed and fully read; otherwise never completes. Fails with an
   * {@link RStreamException}. Cancelling cancels the HTTP call in flight.
   */
  public <T> Flowable<ReadBatch<T>> read(ReadOptions options, MessageDecoder<T> decoder) {
    requireNonNull(options, "options == null");
    requireNonNull(decoder, "decoder == null");
    return new ReadFlowable<>(calls.endpoint(), options, decoder);
  }

  /**
   * Creates the stream (PUT), or confirms that it exists with the same configuration (status 200).
   * Fails with {@link ConflictException} if it exists with another configuration.
   */
  public Single<StreamInfo> create(CreateOptions options) {
    requireNonNull(options, "options == null");
    return calls.create(
        options.contentType(),
        options.ttlSeconds(),
        options.expiresAt(),
        options.closed(),
        options.initialData(),
        options.headers());
  }

  /** The stream's metadata (HEAD): tail offset, content type, closure, TTL. */
  public Single<StreamInfo> head() {
    return calls.head(Collections.emptyMap());
  }

  /** The stream's metadata (HEAD), with extra request headers. */
  public Single<StreamInfo> head(Map<String, String> headers) {
    return calls.head(requireNonNull(headers, "headers == null"));
  }

  /** Deletes the stream and its data. Fails with {@link StreamNotFoundException} if absent. */
  public Completable delete() {
    return calls.delete(Collections.emptyMap()).ignoreElement();
  }

  /** Deletes the stream and its data, with extra request headers. */
  public Completable delete(Map<String, String> headers) {
    return calls.delete(requireNonNull(headers, "headers == null")).ignoreElement();
  }

  /**
   * Appends {@code body} as is, with {@code contentType}, which must match the stream's. For a JSON
   * stream the server flattens one level of a top-level array into separate messages.
   *
   * <p>An empty body is sent as is: servers refuse it (400, {@link UnexpectedStatusException})
   * unless {@code options} close the stream, which is how a close carries no data.
   *
   * <p>Retried on transient failures: if the server applied a request whose response was lost, the
   * data is appended twice. Use {@link AppendOptions.Builder#seq} (the server rejects a repeat:
   * {@link SequenceRegressionException}) or an {@link IdempotentProducer} for exactly-once appends.
   */
  public Single<AppendResult> append(byte[] body, String contentType, AppendOptions options) {
    requireNonNull(body, "body == null");
    requireNonNull(contentType, "contentType == null");
    requireNonNull(options, "options == null");
    okhttp3.MediaType.get(contentType);
    return calls.append(body, contentType, options.seq(), options.close(), null, options.headers());
  }

  /**
   * Appends {@code body} with {@code contentType}; see {@link #append(byte[], String,
   * AppendOptions)}.
   */
  public Single<AppendResult> append(byte[] body, String contentType) {
    return append(body, contentType, AppendOptions.none());
  }

  /**
   * Appends one JSON value as one message of a JSON stream (it is wrapped in an array, so an array
   * value stays one message).
   *
   * @throws IllegalArgumentException if {@code json} is not exactly one valid JSON value.
   */
  public Single<AppendResult> appendJson(String json, AppendOptions options) {
    requireNonNull(json, "json == null");
    return appendJsonBatch(Collections.singletonList(json), options);
  }

  /** Appends one JSON value; see {@link #appendJson(String, AppendOptions)}. */
  public Single<AppendResult> appendJson(String json) {
    return appendJson(json, AppendOptions.none());
  }

  /**
   * Appends JSON values as that many messages of a JSON stream, atomically (one request).
   *
   * @throws IllegalArgumentException if the list is empty or a value is not exactly one valid JSON
   *     value.
   */
  public Single<AppendResult> appendJsonBatch(List<String> jsonValues, AppendOptions options) {
    requireNonNull(jsonValues, "jsonValues == null");
    requireNonNull(options, "options == null");
    return calls.append(
        jsonArray(jsonValues),
        "application/json",
        options.seq(),
        options.close(),
        null,
        options.headers());
  }

  private static byte[] jsonArray(List<String> jsonValues) {
    if (jsonValues.isEmpty()) throw new IllegalArgumentException("no JSON values to append");
    List<byte[]> values = new java.util.ArrayList<>(jsonValues.size());
    for (int i = 0; i < jsonValues.size(); i++) {
      String value = requireNonNull(jsonValues.get(i), "jsonValues[" + i + "] == null");
      values.add(JsonBodies.checkedValue(value, "jsonValues[" + i + "]"));
    }
    return JsonBodies.array(values);
  }

  /**
   * Closes the stream on the server, so it takes no more appends, without appending (idempotent),
   * and returns its final offset. Closing a closed stream succeeds. This handle holds no resources
   * of its own to release.
   */
  public Single<Offset> closeStream() {
    return closeStream(Collections.emptyMap());
  }

  /** Closes the stream on the server, with extra request headers; see {@link #closeStream()}. */
  public Single<Offset> closeStream(Map<String, String> headers) {
    requireNonNull(headers, "headers == null");
    return calls
        .append(new byte[0], null, null, true, null, headers)
        .map(
            result -> {
              Offset offset = result.nextOffset();
              if (offset == null) {
                throw new ProtocolException(
                    "close response has no Stream-Next-Offset",
                    calls.endpoint().displayUrl(),
                    null,
                    result.status(),
                    null);
              }
              return offset;
            });
  }

  /**
   * An idempotent producer writing to this stream. The producer sends nothing until its first
   * append; see {@link IdempotentProducer} for its lifecycle.
   */
  public IdempotentProducer producer(ProducerOptions options) {
    requireNonNull(options, "options == null");
    return new RealIdempotentProducer(calls, options);
  }

  /** Builds a {@link DurableStream}; checks each argument as it is set. */
  public static final class Builder {
    @Nullable HttpUrl url;
    @Nullable OkHttpClient client;
    RetryPolicy retryPolicy = RetryPolicy.defaults();
    Scheduler scheduler = Schedulers.io();
    final Map<String, DynamicValue> headers = new LinkedHashMap<>();
    final Map<String, DynamicValue> params = new LinkedHashMap<>();
    @Nullable TokenSupplier authToken;

    Builder() {}

    Builder(DurableStream stream) {
      url = stream.url;
      client = stream.client;
      retryPolicy = stream.retryPolicy;
      scheduler = stream.scheduler;
      headers.putAll(stream.headers);
      params.putAll(stream.params);
      authToken = stream.authToken;
    }

    /** The stream's URL; required. */
    public Builder url(HttpUrl url) {
      this.url = requireNonNull(url, "url == null");
      return this;
    }

    /** The stream's URL; required. @throws IllegalArgumentException if it is not an HTTP URL. */
    public Builder url(String url) {
      requireNonNull(url, "url == null");
      return url(HttpUrl.get(url));
    }

    /**
     * The client to send requests with. Never shut down by this SDK: whoever built it owns its
     * threads and connections. If not set, one default client shared by all handles built without
     * one, which is never shut down either and whose threads never keep a JVM alive (daemons: a
     * call still running when the app's last thread ends is abandoned).
     */
    public Builder okHttpClient(OkHttpClient client) {
      this.client = requireNonNull(client, "client == null");
      return this;
    }

    /** When to retry transient failures; {@link RetryPolicy#defaults()} if not set. */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = requireNonNull(retryPolicy, "retryPolicy == null");
      return this;
    }

    /**
     * Where blocking reads run and retry delays are timed; {@link Schedulers#io()} by default. A
     * {@code TestScheduler} makes retry delays deterministic in tests.
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = requireNonNull(scheduler, "scheduler == null");
      return this;
    }

    /** A header sent with every request, computed afresh each time (see {@link DynamicValue}). */
    public Builder header(String name, DynamicValue value) {
      requireNonNull(name, "name == null");
      requireNonNull(value, "value == null");
      okhttp3.Headers.of(name, ""); // validates the name now rather than on the first request
      headers.put(name, value);
      return this;
    }

    /** A static header sent with every request. */
    public Builder header(String name, String value) {
      requireNonNull(value, "value == null");
      okhttp3.Headers.of(requireNonNull(name, "name == null"), value);
      return header(name, DynamicValue.of(value));
    }

    /**
     * Sends {@code Authorization: Bearer {token}} with every request, the token asked of {@code
     * tokens} each time; on a 401 it is asked for a fresh one (given the refused one) and the
     * request is sent again, up to three times while each answer differs from the token just
     * refused. Refusals past that, or a supplier that throws, fail the operation with {@link
     * AuthenticationException}, never retried. Covers every request of this handle: reads and their
     * reconnects (long-poll, SSE), HEAD, appends, the {@linkplain #producer idempotent producer} (a
     * refused append was not applied, so re-sending it duplicates nothing). Takes precedence over a
     * {@link #header header} named {@code Authorization}. See {@link TokenSupplier} for threading.
     */
    public Builder authToken(TokenSupplier tokens) {
      this.authToken = requireNonNull(tokens, "tokens == null");
      return this;
    }

    /**
     * A query parameter sent with every request, computed afresh each time. A dynamic value makes
     * every URL distinct, which defeats HTTP caches and CDN request collapsing.
     */
    public Builder param(String name, DynamicValue value) {
      requireNonNull(name, "name == null");
      requireNonNull(value, "value == null");
      if (name.equals("offset") || name.equals("live") || name.equals("cursor")) {
        throw new IllegalArgumentException("param name reserved by the protocol: " + name);
      }
      params.put(name, value);
      return this;
    }

    /** Builds the handle. @throws IllegalStateException if no URL was set. */
    public DurableStream build() {
      if (url == null) throw new IllegalStateException("url == null");
      return new DurableStream(this);
    }
  }
}
