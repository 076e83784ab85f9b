package dev.rstream;

import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.SECONDS;

import dev.rstream.testing.StubServerExtension;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link StubServerExtension} and the clients (and stores) of its streams that a test opens.
 * Register this with {@code @RegisterExtension}, not the server: it starts the server before the
 * test's {@code @BeforeEach} methods, and after its {@code @AfterEach} methods closes the clients,
 * then the stores, then stops the server.
 */
final class ServerClients extends OpenClients implements BeforeEachCallback {
  /** Later than any time a test appends, so that to these clients every appended change is past. */
  static final Instant FAR_FUTURE = Instant.parse("2100-01-01T00:00:00Z");

  private final StubServerExtension server;

  /** Runs {@code server} for each test; the server must not be registered as well. */
  ServerClients(StubServerExtension server) {
    this.server = requireNonNull(server, "server == null");
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    server.beforeEach(context);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      super.afterEach(context);
    } finally {
      server.afterEach(context);
    }
  }

  /** A builder without live linger whose clock stands still at {@link #FAR_FUTURE}. */
  static RStreamClient.Builder pastEverything() {
    return RStreamClient.builder()
        .liveLinger(0, SECONDS)
        .clock(Clock.fixed(FAR_FUTURE, ZoneOffset.UTC));
  }

  /** {@link #pastEverything()} reading {@code streamUrl} with the server's shared OkHttp client. */
  RStreamClient.Builder builder(String streamUrl) {
    return pastEverything().streamUrl(streamUrl).okHttpClient(server.http());
  }

  /**
   * A builder reading {@code streamUrl} with the server's shared OkHttp client; nothing else set.
   */
  RStreamClient.Builder onServer(String streamUrl) {
    return RStreamClient.builder().streamUrl(streamUrl).okHttpClient(server.http());
  }

  /** {@link #onServer} without live linger: the live read closes with its last subscriber. */
  RStreamClient.Builder withoutLinger(String streamUrl) {
    return onServer(streamUrl).liveLinger(0, SECONDS);
  }
}
