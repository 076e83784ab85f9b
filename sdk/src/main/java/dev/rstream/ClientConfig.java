package dev.rstream;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.durable.LiveMode;
import dev.rstream.internal.retry.Recovery;
import dev.rstream.internal.window.StreamSource;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.schedulers.Schedulers;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link RStreamClient.Builder} was told: each setting checked as it is set, with its
 * default until then, and the policies that follow from them. Mutable and not thread-safe, as the
 * builder; {@link ClientAssembly} reads it once, while the client is built.
 */
final class ClientConfig {
  // Two of server-stub's long-poll waits (20 s), and more than two of its SSE heartbeats (15 s).
  private static final long DEFAULT_LIVE_READ_TIMEOUT_MILLIS = 40_000;

  @Nullable String streamUrl;
  @Nullable OkHttpClient okHttpClient;
  @Nullable LocalStore store;
  @Nullable ObjectMapper objectMapper;
  Scheduler scheduler = Schedulers.io();
  int maxParallelFetches = 4;
  long memoryBudget = RStreamClient.Builder.DEFAULT_MEMORY_BUDGET;
  long lingerMillis = 1_000;
  long liveReadTimeoutMillis = DEFAULT_LIVE_READ_TIMEOUT_MILLIS;
  LiveTransport liveTransport = LiveTransport.AUTO;
  Clock clock = Clock.systemUTC();
  @Nullable StreamSource source;
  @Nullable RetryPolicy retryPolicy;
  @Nullable RetryPolicy oneShotRetryPolicy;
  @Nullable RetryPolicy liveReconnectPolicy;
  @Nullable TokenSupplier authToken;
  RStreamEventListener eventListener = RStreamEventListener.NONE;
  boolean memoryOutbox;

  void streamUrl(String streamUrl) {
    requireNonNull(streamUrl, "streamUrl == null");
    HttpUrl.get(streamUrl); // fails now on a malformed URL, not on first use
    this.streamUrl = streamUrl;
  }

  void okHttpClient(OkHttpClient okHttpClient) {
    this.okHttpClient = requireNonNull(okHttpClient, "okHttpClient == null");
  }

  void store(LocalStore store) {
    this.store = requireNonNull(store, "store == null");
  }

  void objectMapper(ObjectMapper objectMapper) {
    this.objectMapper = requireNonNull(objectMapper, "objectMapper == null");
  }

  void scheduler(Scheduler scheduler) {
    this.scheduler = requireNonNull(scheduler, "scheduler == null");
  }

  void maxParallelFetches(int maxParallelFetches) {
    if (maxParallelFetches < 1) throw new IllegalArgumentException("maxParallelFetches < 1");
    this.maxParallelFetches = maxParallelFetches;
  }

  void memoryBudget(long bytes) {
    if (bytes < 0) throw new IllegalArgumentException("memoryBudget < 0: " + bytes);
    this.memoryBudget = bytes;
  }

  void liveLinger(long linger, TimeUnit unit) {
    requireNonNull(unit, "unit == null");
    if (linger < 0) throw new IllegalArgumentException("linger < 0");
    this.lingerMillis = unit.toMillis(linger);
  }

  void liveReadTimeout(long timeout, TimeUnit unit) {
    requireNonNull(unit, "unit == null");
    if (timeout <= 0) throw new IllegalArgumentException("liveReadTimeout <= 0: " + timeout);
    this.liveReadTimeoutMillis = unit.toMillis(timeout);
  }

  void liveTransport(LiveTransport liveTransport) {
    this.liveTransport = requireNonNull(liveTransport, "liveTransport == null");
  }

  void clock(Clock clock) {
    this.clock = requireNonNull(clock, "clock == null");
  }

  void retryPolicy(RetryPolicy retryPolicy) {
    this.retryPolicy = requireNonNull(retryPolicy, "retryPolicy == null");
  }

  void oneShotRetryPolicy(RetryPolicy oneShotRetryPolicy) {
    this.oneShotRetryPolicy = requireNonNull(oneShotRetryPolicy, "oneShotRetryPolicy == null");
  }

  void liveReconnectPolicy(RetryPolicy liveReconnectPolicy) {
    this.liveReconnectPolicy = requireNonNull(liveReconnectPolicy, "liveReconnectPolicy == null");
  }

  void authToken(TokenSupplier tokens) {
    this.authToken = requireNonNull(tokens, "tokens == null");
  }

  void eventListener(RStreamEventListener eventListener) {
    this.eventListener = requireNonNull(eventListener, "eventListener == null");
  }

  void source(StreamSource source) {
    this.source = requireNonNull(source, "source == null");
  }

  /**
   * @throws IllegalStateException if there is nothing to read: no stream URL and no source.
   */
  void checkComplete() {
    if (streamUrl == null && source == null) throw new IllegalStateException("streamUrl == null");
  }

  /** The policy of the live read, appends, the producer and the outbox. */
  RetryPolicy retryPolicyOrDefault() {
    return retryPolicy != null ? retryPolicy : RetryPolicy.defaults();
  }

  /** The policy of the reads that end. */
  RetryPolicy oneShotPolicy() {
    return Recovery.oneShotPolicy(retryPolicy, oneShotRetryPolicy);
  }

  /** How the live cursor reconnects once its read's policy gave up. */
  RetryPolicy liveReconnects() {
    return Recovery.liveReconnectPolicy(retryPolicy, liveReconnectPolicy);
  }

  ObjectMapper objectMapperOrDefault() {
    return objectMapper != null ? objectMapper : new ObjectMapper();
  }

  LiveMode liveMode() {
    switch (liveTransport) {
      case SSE:
        return LiveMode.SSE;
      case LONG_POLL:
        return LiveMode.LONG_POLL;
      default:
        return LiveMode.AUTO;
    }
  }
}
