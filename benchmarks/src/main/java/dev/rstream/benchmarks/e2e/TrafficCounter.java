package dev.rstream.benchmarks.e2e;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Interceptor;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * Counts the requests a client makes and the response bytes it reads, decoded (after OkHttp's
 * transparent gzip, so comparable to JSON sizes). An application interceptor: install it with
 * {@code OkHttpClient.Builder.addInterceptor} on the client handed to the SDK. Thread-safe.
 */
public final class TrafficCounter implements Interceptor {
  private final AtomicLong bodyBytes = new AtomicLong();

  /**
   * Path and query of every request, to say which read a figure paid for; also the request count,
   * so that a count and the list read after it always agree. The client adds to it from its own
   * threads while the harness reads it: read a snapshot (its iterator or a copy), never a view.
   */
  private final List<String> requested = new CopyOnWriteArrayList<>();

  @Override
  public Response intercept(Chain chain) throws IOException {
    okhttp3.HttpUrl url = chain.request().url();
    requested.add(url.encodedPath() + (url.encodedQuery() == null ? "" : "?" + url.encodedQuery()));
    return countingBody(chain.proceed(chain.request()), bodyBytes);
  }

  /**
   * {@code response} with a body that adds the bytes read from it to {@code bytes} as the caller
   * reads them, so that a streaming (SSE) response stays streaming. In an application interceptor
   * these are decoded bytes; in a network interceptor, bytes on the wire (before OkHttp un-gzips).
   */
  public static Response countingBody(Response response, AtomicLong bytes) {
    ResponseBody body = response.body();
    BufferedSource counted =
        Okio.buffer(
            new ForwardingSource(body.source()) {
              @Override
              public long read(Buffer sink, long byteCount) throws IOException {
                long read = super.read(sink, byteCount);
                if (read > 0) bytes.addAndGet(read);
                return read;
              }
            });
    return response
        .newBuilder()
        .body(ResponseBody.create(counted, body.contentType(), body.contentLength()))
        .build();
  }

  /** Requests started so far. */
  public long requests() {
    return requested.size();
  }

  /**
   * Path and query of the requests from the {@code from}-th on, in the order they started, as they
   * were at one instant. Safe while the client is still making requests.
   */
  List<String> requested(int from) {
    // One copy of one array: a subList view of a CopyOnWriteArrayList throws
    // ConcurrentModificationException once the list changes under it.
    List<String> all = new ArrayList<>(requested);
    return new ArrayList<>(all.subList(Math.min(from, all.size()), all.size()));
  }

  /** Decoded response body bytes read so far. */
  public long bodyBytes() {
    return bodyBytes.get();
  }
}
