package dev.rstream.testing;

import static java.util.Objects.requireNonNull;

import dev.rstream.server.StubServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real server-stub for each test, on 127.0.0.1 and a free port, and the OkHttp clients that talk
 * to it. Register it on an instance field with {@code @RegisterExtension}; a JUnit 4 test (one
 * Robolectric runs) calls {@link #start()} in its {@code @Before} and {@link #close()} in its
 * {@code @After} instead.
 *
 * <p>The server starts before the test's {@code @BeforeEach} methods and stops after its
 * {@code @AfterEach} methods, so a test closes its own clients first. Then every OkHttp client this
 * extension made is released (dispatcher shut down, idle connections evicted). The configuration
 * runs on a fresh {@link StubServer.Builder} at each start; it may read the test instance's fields
 * ({@code @TempDir} ones included), which are set by then. Not thread-safe: one test thread.
 */
public final class StubServerExtension
    implements BeforeEachCallback, AfterEachCallback, AutoCloseable {
  private static final MediaType JSON = MediaType.get("application/json");

  private final Consumer<StubServer.Builder> configuration;
  private final List<OkHttpClient> clients = new ArrayList<>();
  private @Nullable StubServer server;
  private int port;
  private @Nullable OkHttpClient http;

  private StubServerExtension(Consumer<StubServer.Builder> configuration) {
    this.configuration = configuration;
  }

  /** A server with server-stub's defaults: an in-memory store and the rstream conventions. */
  public static StubServerExtension inMemory() {
    return new StubServerExtension(builder -> {});
  }

  /** A server configured by {@code configuration} (run again at each {@link #startAgain()}). */
  public static StubServerExtension configured(Consumer<StubServer.Builder> configuration) {
    return new StubServerExtension(requireNonNull(configuration, "configuration == null"));
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    start();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  /** Starts the server, as before each test; returns this. */
  public StubServerExtension start() throws IOException {
    start(builder -> {});
    return this;
  }

  /** Stops the server and releases the OkHttp clients made for the test, as after each test. */
  @Override
  public void close() {
    try {
      stop();
    } finally {
      for (OkHttpClient client : clients) {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      }
      clients.clear();
      http = null;
    }
  }

  private void start(Consumer<StubServer.Builder> more) throws IOException {
    StubServer.Builder builder = StubServer.builder();
    configuration.accept(builder);
    if (port != 0) builder.port(port);
    more.accept(builder);
    server = builder.build().start();
    port = server.port();
  }

  /** The running server; fails when it was {@link #stop() stopped}. */
  public StubServer server() {
    StubServer running = server;
    if (running == null) throw new IllegalStateException("the server is stopped");
    return running;
  }

  /** The server's base URL, {@code http://127.0.0.1:port}; the same across restarts. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** The URL of the stream at {@code path} (no leading slash), as server-stub serves it. */
  public String streamUrl(String path) {
    return server().streamUrl(path);
  }

  /** The port, the same across restarts. */
  public int port() {
    return port;
  }

  /** One OkHttp client for the test, made on first use, released after it. */
  public OkHttpClient http() {
    OkHttpClient shared = http;
    if (shared == null) {
      shared = newHttpClient();
      http = shared;
    }
    return shared;
  }

  /**
   * A client with its own dispatcher and connection pool (a separate device), released after the
   * test.
   */
  public OkHttpClient newHttpClient() {
    OkHttpClient client = new OkHttpClient();
    clients.add(client);
    return client;
  }

  /**
   * Creates a JSON stream at {@code path} whose server writes keyframes by {@code keyframes} (the
   * {@code Rstream-Keyframes} header, e.g. {@code "changes=7, interval=3600s"}); returns its URL.
   *
   * @throws IllegalStateException when the server does not answer 201 or 200
   */
  public String createStateStream(String path, String keyframes) {
    return create(path, requireNonNull(keyframes, "keyframes == null"));
  }

  /**
   * Creates a JSON stream at {@code path} with no keyframe policy (no keyframes, no index); returns
   * its URL.
   *
   * @throws IllegalStateException when the server does not answer 201 or 200
   */
  public String createJsonStream(String path) {
    return create(path, null);
  }

  private String create(String path, @Nullable String keyframes) {
    String url = streamUrl(path);
    Request.Builder request =
        new Request.Builder().url(url).put(RequestBody.create(new byte[0], JSON));
    if (keyframes != null) request.header("Rstream-Keyframes", keyframes);
    try (Response response =
        http()
            .newBuilder()
            .callTimeout(10, TimeUnit.SECONDS)
            .build()
            .newCall(request.build())
            .execute()) {
      if (response.code() != 201 && response.code() != 200) {
        throw new IllegalStateException("PUT " + url + ": HTTP " + response.code());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("PUT " + url, e);
    }
    return url;
  }

  /** Stops the server as a killed process would leave its clients; idempotent. */
  public void stop() {
    StubServer running = server;
    server = null;
    if (running != null) running.close();
  }

  /** Starts the server again on its port, configured as before (a data directory recovers). */
  public void startAgain() throws IOException {
    startAgain(builder -> {});
  }

  /** Stops the server if it runs, then starts it on its port with {@code more} configuration. */
  public void startAgain(Consumer<StubServer.Builder> more) throws IOException {
    stop();
    start(requireNonNull(more, "more == null"));
  }
}
