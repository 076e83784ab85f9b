package dev.rstream;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A MockWebServer that answers each request with what the test's function returns, for responses
 * the real server would never send, and the OkHttp client that reaches it. Register it with
 * {@code @RegisterExtension}: it starts before the test's {@code @BeforeEach} methods and, after
 * its {@code @AfterEach} methods (where the test closes its clients), closes the server and
 * releases the OkHttp client (dispatcher shut down, idle connections evicted).
 */
final class ScriptedServer implements BeforeEachCallback, AfterEachCallback {
  private final MockWebServer server = new MockWebServer();
  private final OkHttpClient http;

  /** Answers by {@code answer} (called on the server's threads); reached through {@code http}. */
  ScriptedServer(OkHttpClient http, Function<RecordedRequest, MockResponse> answer) {
    this.http = requireNonNull(http, "http == null");
    requireNonNull(answer, "answer == null");
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return answer.apply(request);
          }
        });
  }

  /** Answers by {@code answer}; reached through a default OkHttp client. */
  ScriptedServer(Function<RecordedRequest, MockResponse> answer) {
    this(new OkHttpClient(), answer);
  }

  /** A 200 JSON response up to date at {@code nextOffset}, holding {@code body}. */
  static MockResponse.Builder upToDate(String nextOffset, String body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/json")
        .addHeader("Stream-Next-Offset", nextOffset)
        .addHeader("Stream-Up-To-Date", "true")
        .body(body);
  }

  /** The URL of {@code path} on the server. */
  HttpUrl url(String path) {
    return server.url(path);
  }

  /** The client that reaches the server. */
  OkHttpClient http() {
    return http;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    server.start(0);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    server.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
