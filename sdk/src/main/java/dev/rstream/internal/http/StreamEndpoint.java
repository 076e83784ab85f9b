package dev.rstream.internal.http;

import static java.util.Objects.requireNonNull;

import dev.rstream.RetryPolicy;
import dev.rstream.TokenSupplier;
import dev.rstream.durable.DynamicValue;
import io.reactivex.rxjava3.core.Scheduler;
import java.util.Map;
import java.util.TreeMap;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * Everything needed to send requests to one stream: its URL, the client, the retry policy and the
 * headers and query parameters added to every request, and the bearer token if the server needs
 * one. Immutable (the maps must not change).
 */
public final class StreamEndpoint {
  /** The request headers of the protocol, as sent. */
  public static final String STREAM_NEXT_OFFSET = "Stream-Next-Offset";

  public static final String STREAM_UP_TO_DATE = "Stream-Up-To-Date";
  public static final String STREAM_CLOSED = "Stream-Closed";
  public static final String STREAM_CURSOR = "Stream-Cursor";
  public static final String STREAM_SEQ = "Stream-Seq";
  public static final String STREAM_TTL = "Stream-TTL";
  public static final String STREAM_EXPIRES_AT = "Stream-Expires-At";
  public static final String SSE_DATA_ENCODING = "Stream-SSE-Data-Encoding";
  public static final String PRODUCER_ID = "Producer-Id";
  public static final String PRODUCER_EPOCH = "Producer-Epoch";
  public static final String PRODUCER_SEQ = "Producer-Seq";
  public static final String PRODUCER_EXPECTED_SEQ = "Producer-Expected-Seq";
  public static final String PRODUCER_RECEIVED_SEQ = "Producer-Received-Seq";

  private final HttpUrl url;
  private final OkHttpClient client;
  private final RetryPolicy retryPolicy;
  private final Scheduler scheduler;
  private final Map<String, DynamicValue> headers;
  private final Map<String, DynamicValue> params;
  private final @Nullable BearerAuth auth;

  public StreamEndpoint(
      HttpUrl url,
      OkHttpClient client,
      RetryPolicy retryPolicy,
      Scheduler scheduler,
      Map<String, DynamicValue> headers,
      Map<String, DynamicValue> params) {
    this(url, client, retryPolicy, scheduler, headers, params, null);
  }

  /**
   * @param tokens when set, every request carries {@code Authorization: Bearer} with its token,
   *     renewed once on a 401; {@link #client()} is then {@code client} with that renewal added
   */
  public StreamEndpoint(
      HttpUrl url,
      OkHttpClient client,
      RetryPolicy retryPolicy,
      Scheduler scheduler,
      Map<String, DynamicValue> headers,
      Map<String, DynamicValue> params,
      @Nullable TokenSupplier tokens) {
    this.url = requireNonNull(url, "url == null");
    requireNonNull(client, "client == null");
    this.auth = tokens != null ? new BearerAuth(tokens) : null;
    // newBuilder() shares the connection pool and dispatcher: only the interceptor is added.
    this.client = auth != null ? client.newBuilder().addInterceptor(auth).build() : client;
    this.retryPolicy = requireNonNull(retryPolicy, "retryPolicy == null");
    this.scheduler = requireNonNull(scheduler, "scheduler == null");
    this.headers = headers;
    this.params = params;
  }

  public HttpUrl url() {
    return url;
  }

  /** The URL as errors name it: without query parameters, which may carry credentials. */
  public String displayUrl() {
    return url.newBuilder().query(null).build().toString();
  }

  public OkHttpClient client() {
    return client;
  }

  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  public Scheduler scheduler() {
    return scheduler;
  }

  /**
   * A request builder for this stream with {@code query} added to the URL, the dynamic values and
   * the bearer token computed now, and {@code extraHeaders} set last. Query parameters are sorted
   * by name (spec 10.1: identical reads make identical URLs, which caches and CDNs can share).
   *
   * @throws dev.rstream.AuthenticationException if the token supplier fails
   */
  public Request.Builder newRequest(Map<String, String> query, Map<String, String> extraHeaders) {
    TreeMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, DynamicValue> param : params.entrySet()) {
      sorted.put(
          param.getKey(),
          requireNonNull(
              param.getValue().value(), "dynamic param " + param.getKey() + " returned null"));
    }
    sorted.putAll(query);
    HttpUrl.Builder urlBuilder = url.newBuilder();
    for (Map.Entry<String, String> entry : sorted.entrySet()) {
      urlBuilder.addQueryParameter(entry.getKey(), entry.getValue());
    }
    Request.Builder request = new Request.Builder().url(urlBuilder.build());
    for (Map.Entry<String, DynamicValue> header : headers.entrySet()) {
      request.header(
          header.getKey(),
          requireNonNull(
              header.getValue().value(), "dynamic header " + header.getKey() + " returned null"));
    }
    BearerAuth bearer = auth;
    if (bearer != null)
      request.header(BearerAuth.AUTHORIZATION, bearer.authorization(displayUrl()));
    for (Map.Entry<String, String> header : extraHeaders.entrySet()) {
      request.header(header.getKey(), header.getValue());
    }
    return request;
  }
}
