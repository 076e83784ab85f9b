package dev.rstream;

import static java.util.Objects.requireNonNull;

import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.schedulers.Schedulers;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * A handle on one Durable Stream, identified by its URL. Immutable and thread-safe; cheap to create
 * (it shares the {@link OkHttpClient} it is given). Operations return cold Rx types: nothing is
 * sent until subscription, each subscription sends its own requests, and disposing cancels the
 * HTTP call in flight.
 */
public final class DurableStream {
  final HttpUrl url;
  final OkHttpClient client;
  final RetryPolicy retryPolicy;
  final Scheduler scheduler;
  final Map<String, DynamicValue> headers;
  final Map<String, DynamicValue> params;

  private DurableStream(Builder builder) {
    this.url = requireNonNull(builder.url, "url == null");
    this.client = builder.client != null ? builder.client : new OkHttpClient();
    this.retryPolicy = builder.retryPolicy;
    this.scheduler = builder.scheduler;
    this.headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(builder.headers));
    this.params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(builder.params));
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
    return Flowable.error(new UnsupportedOperationException("not yet"));
  }

  /** Builds a {@link DurableStream}; checks each argument as it is set. */
  public static final class Builder {
    HttpUrl url;
    OkHttpClient client;
    RetryPolicy retryPolicy = RetryPolicy.defaults();
    Scheduler scheduler = Schedulers.io();
    final Map<String, DynamicValue> headers = new LinkedHashMap<>();
    final Map<String, DynamicValue> params = new LinkedHashMap<>();

    Builder() {}

    Builder(DurableStream stream) {
      url = stream.url;
      client = stream.client;
      retryPolicy = stream.retryPolicy;
      scheduler = stream.scheduler;
      headers.putAll(stream.headers);
      params.putAll(stream.params);
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

    /** The client to send requests with; a new default client if not set. Not closed by us. */
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
