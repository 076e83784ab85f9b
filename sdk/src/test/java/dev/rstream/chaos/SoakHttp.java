package dev.rstream.chaos;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Offset;
import java.io.Closeable;
import java.io.IOException;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The soak's two ways to its stream: straight to server-stub, with the token the server accepts now
 * (the test's own requests and the {@link LogReplica}), and through the {@link FaultProxy}, each
 * client's requests tagged with its name (every SDK client and the producer). Thread-safe.
 */
final class SoakHttp implements Closeable {
  private static final MediaType JSON = MediaType.get("application/json");
  private static final String PATH = "/v1/stream/soak/orders";

  private final OkHttpClient direct;
  private final String directUrl;
  private final OkHttpClient proxied;
  private final String proxiedUrl;

  SoakHttp(int serverPort, int proxyPort, TokenIssuer tokens) {
    direct =
        new OkHttpClient.Builder()
            .readTimeout(10, SECONDS)
            .retryOnConnectionFailure(false)
            .addInterceptor(
                chain ->
                    chain.proceed(
                        chain
                            .request()
                            .newBuilder()
                            .header("Authorization", "Bearer " + tokens.current())
                            .build()))
            .build();
    directUrl = "http://127.0.0.1:" + serverPort + PATH;
    Dispatcher dispatcher = new Dispatcher();
    // Every client talks to one host (the proxy): OkHttp's default of 5 per host would starve them.
    dispatcher.setMaxRequests(512);
    dispatcher.setMaxRequestsPerHost(512);
    proxied =
        new OkHttpClient.Builder()
            .dispatcher(dispatcher)
            .readTimeout(5, SECONDS)
            .connectTimeout(2, SECONDS)
            .build();
    proxiedUrl = "http://127.0.0.1:" + proxyPort + PATH;
  }

  /** Straight to server-stub, authorised. */
  OkHttpClient direct() {
    return direct;
  }

  String directUrl() {
    return directUrl;
  }

  /**
   * Through the proxy, each request naming {@code client} to it ({@link FaultProxy#CLIENT_HEADER}).
   */
  OkHttpClient proxied(String client) {
    return proxied
        .newBuilder()
        .addInterceptor(
            chain ->
                chain.proceed(
                    chain.request().newBuilder().header(FaultProxy.CLIENT_HEADER, client).build()))
        .build();
  }

  String proxiedUrl() {
    return proxiedUrl;
  }

  /** Creates the state stream, with a keyframe every {@link SoakSettings#KEYFRAME_CHANGES}. */
  void createStream() throws IOException {
    Request put =
        new Request.Builder()
            .url(directUrl)
            .header(
                "Rstream-Keyframes", "changes=" + SoakSettings.KEYFRAME_CHANGES + ", interval=30s")
            .put(RequestBody.create("", JSON))
            .build();
    try (Response response = direct.newCall(put).execute()) {
      assertThat(response.code()).as("create the state stream").isIn(200, 201);
    }
  }

  /** The server's tail: the offset after the last append. */
  Offset tail() throws IOException {
    try (Response response =
        direct.newCall(new Request.Builder().url(directUrl).head().build()).execute()) {
      String next = response.header("Stream-Next-Offset");
      assertThat(next).as("HEAD Stream-Next-Offset").isNotNull();
      return Offset.of(next);
    }
  }

  /** Closes the idle connections through the proxy. */
  void evictProxiedConnections() {
    proxied.connectionPool().evictAll();
  }

  @Override
  public void close() {
    for (OkHttpClient http : new OkHttpClient[] {direct, proxied}) {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }
}
