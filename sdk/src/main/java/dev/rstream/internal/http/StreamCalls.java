package dev.rstream.internal.http;

import static dev.rstream.internal.http.StreamEndpoint.PRODUCER_EPOCH;
import static dev.rstream.internal.http.StreamEndpoint.PRODUCER_ID;
import static dev.rstream.internal.http.StreamEndpoint.PRODUCER_SEQ;
import static dev.rstream.internal.http.StreamEndpoint.STREAM_CLOSED;
import static dev.rstream.internal.http.StreamEndpoint.STREAM_NEXT_OFFSET;

import dev.rstream.durable.AppendResult;
import dev.rstream.durable.StreamInfo;
import dev.rstream.internal.retry.Recovery;
import io.reactivex.rxjava3.core.Single;
import java.util.Collections;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * The single-exchange operations of the protocol (create, head, delete, append, close) as cold,
 * retried {@link Single}s. Results are delivered on OkHttp's dispatcher threads (or the endpoint's
 * scheduler after a retry delay).
 */
public final class StreamCalls {
  private static final byte[] EMPTY = new byte[0];

  private final StreamEndpoint endpoint;

  public StreamCalls(StreamEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  public StreamEndpoint endpoint() {
    return endpoint;
  }

  /** PUT: creates the stream or confirms it exists with the same configuration. */
  public Single<StreamInfo> create(
      String contentType,
      long ttlSeconds,
      @Nullable String expiresAt,
      boolean closed,
      byte @Nullable [] initialData,
      Map<String, String> headers) {
    return exchange(
        () -> {
          Request.Builder request = endpoint.newRequest(Collections.emptyMap(), headers);
          request.header("Content-Type", contentType);
          if (ttlSeconds >= 0) request.header(StreamEndpoint.STREAM_TTL, Long.toString(ttlSeconds));
          if (expiresAt != null) request.header(StreamEndpoint.STREAM_EXPIRES_AT, expiresAt);
          if (closed) request.header(STREAM_CLOSED, "true");
          byte[] body = initialData != null ? initialData : EMPTY;
          return request.put(RequestBody.create(body, MediaType.get(contentType))).build();
        },
        response -> {
          HttpFailures.check(response, endpoint.displayUrl(), null);
          return streamInfo(response);
        });
  }

  /** HEAD: the stream's metadata. */
  public Single<StreamInfo> head(Map<String, String> headers) {
    return exchange(
        () -> endpoint.newRequest(Collections.emptyMap(), headers).head().build(),
        response -> {
          HttpFailures.check(response, endpoint.displayUrl(), null);
          return streamInfo(response);
        });
  }

  /** DELETE: removes the stream; resolves to the status. */
  public Single<Integer> delete(Map<String, String> headers) {
    return exchange(
        () -> endpoint.newRequest(Collections.emptyMap(), headers).delete().build(),
        response -> {
          HttpFailures.check(response, endpoint.displayUrl(), null);
          return response.code();
        });
  }

  /**
   * POST: appends {@code body} (empty with {@code close} for a close-only request). With a producer
   * id, sends the three producer headers and reports a 204 as a duplicate.
   */
  public Single<AppendResult> append(
      byte[] body,
      @Nullable String contentType,
      @Nullable String seq,
      boolean close,
      @Nullable ProducerHeaders producer,
      Map<String, String> headers) {
    return exchange(
        () -> {
          Request.Builder request = endpoint.newRequest(Collections.emptyMap(), headers);
          if (seq != null) request.header(StreamEndpoint.STREAM_SEQ, seq);
          if (close) request.header(STREAM_CLOSED, "true");
          if (producer != null) {
            request.header(PRODUCER_ID, producer.id);
            request.header(PRODUCER_EPOCH, Long.toString(producer.epoch));
            request.header(PRODUCER_SEQ, Long.toString(producer.seq));
          }
          MediaType type = contentType != null ? MediaType.get(contentType) : null;
          return request.post(RequestBody.create(body, type)).build();
        },
        response -> {
          HttpFailures.check(response, endpoint.displayUrl(), null);
          return appendResult(response, producer != null);
        });
  }

  /** The three idempotent-producer headers of one request. */
  public static final class ProducerHeaders {
    final String id;
    final long epoch;
    final long seq;

    public ProducerHeaders(String id, long epoch, long seq) {
      this.id = id;
      this.epoch = epoch;
      this.seq = seq;
    }
  }

  private <R> Single<R> exchange(
      RequestFactory requestFactory, CallSingle.ResponseHandler<R> handler) {
    return Recovery.retrying(
        new CallSingle<>(() -> endpoint.client().newCall(requestFactory.create()), handler),
        endpoint.retryPolicy(),
        endpoint.scheduler(),
        endpoint.displayUrl(),
        null);
  }

  private interface RequestFactory {
    Request create();
  }

  static StreamInfo streamInfo(Response response) {
    String ttl = response.header(StreamEndpoint.STREAM_TTL);
    long ttlSeconds = -1;
    if (ttl != null) {
      try {
        ttlSeconds = Long.parseLong(ttl.trim());
      } catch (NumberFormatException ignored) {
        // A malformed TTL is reported as absent: it is informational on HEAD.
      }
    }
    return StreamInfo.builder()
        .status(response.code())
        .contentType(response.header("Content-Type"))
        .nextOffset(HttpFailures.parseOffsetOrNull(response.header(STREAM_NEXT_OFFSET)))
        .closed("true".equalsIgnoreCase(response.header(STREAM_CLOSED)))
        .ttlSeconds(ttlSeconds)
        .expiresAt(response.header(StreamEndpoint.STREAM_EXPIRES_AT))
        .headers(response.headers())
        .build();
  }

  static AppendResult appendResult(Response response, boolean producer) {
    return AppendResult.builder()
        .status(response.code())
        .nextOffset(HttpFailures.parseOffsetOrNull(response.header(STREAM_NEXT_OFFSET)))
        .streamClosed("true".equalsIgnoreCase(response.header(STREAM_CLOSED)))
        .duplicate(producer && response.code() == 204)
        .producerEpoch(HttpFailures.parseLong(response.header(PRODUCER_EPOCH)))
        .producerSeq(HttpFailures.parseLong(response.header(PRODUCER_SEQ)))
        .headers(response.headers())
        .build();
  }
}
