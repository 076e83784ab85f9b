package dev.rstream.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/** A small OkHttp front for the end-to-end tests: one call, one fully read {@link Reply}. */
final class Http {
  /** A finished exchange. */
  record Reply(int code, Headers headers, byte[] bytes) {
    String body() {
      return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Nullable String header(String name) {
      return headers.get(name);
    }

    String nextOffset() {
      String offset = headers.get("Stream-Next-Offset");
      if (offset == null) throw new AssertionError("no Stream-Next-Offset in " + headers);
      return offset;
    }
  }

  final OkHttpClient client;
  final StubServer server;

  Http(StubServer server) {
    this.server = server;
    this.client =
        new OkHttpClient.Builder()
            .readTimeout(30, TimeUnit.SECONDS)
            .retryOnConnectionFailure(false)
            .build();
  }

  Request.Builder request(String path) {
    return new Request.Builder().url(server.streamUrl(path));
  }

  Reply put(String path, String contentType, String body, String... headers) {
    return call(request(path).headers(Headers.of(headers)).put(body(contentType, body)).build());
  }

  Reply post(String path, String contentType, String body, String... headers) {
    return call(request(path).headers(Headers.of(headers)).post(body(contentType, body)).build());
  }

  /**
   * A POST as idempotent producer {@code id} at {@code epoch} and {@code seq} (sent as given, valid
   * or not), with any further {@code headers}.
   */
  Reply postAsProducer(
      String path,
      String contentType,
      String body,
      String id,
      String epoch,
      String seq,
      String... headers) {
    String[] all = new String[6 + headers.length];
    all[0] = "Producer-Id";
    all[1] = id;
    all[2] = "Producer-Epoch";
    all[3] = epoch;
    all[4] = "Producer-Seq";
    all[5] = seq;
    System.arraycopy(headers, 0, all, 6, headers.length);
    return post(path, contentType, body, all);
  }

  /**
   * A CORS preflight: OPTIONS on {@code path} from {@code origin}, asking for {@code method} with
   * {@code requestHeaders}.
   */
  Reply preflight(String path, String origin, String method, String requestHeaders) {
    return call(
        request(path)
            .method("OPTIONS", null)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", requestHeaders)
            .build());
  }

  Reply get(String pathAndQuery, String... headers) {
    return call(
        new Request.Builder()
            .url(server.streamUrl(pathAndQuery))
            .headers(Headers.of(headers))
            .build());
  }

  Reply head(String path) {
    return call(request(path).head().build());
  }

  Reply delete(String path) {
    return call(request(path).delete().build());
  }

  Reply call(Request request) {
    try (Response response = client.newCall(request).execute()) {
      return new Reply(response.code(), response.headers(), response.body().bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static RequestBody body(@Nullable String contentType, String body) {
    return RequestBody.create(
        body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        contentType == null ? null : MediaType.get(contentType));
  }

  void close() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
