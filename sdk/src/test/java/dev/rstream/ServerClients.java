package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;

import dev.rstream.testing.StubServerExtension;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Clients of the streams a {@link StubServerExtension} serves, closed after each test. Register it
 * with {@code @RegisterExtension} and a higher {@link org.junit.jupiter.api.Order} than the server,
 * so that JUnit closes the clients before it stops the server.
 */
final class ServerClients extends OpenClients {
  /** Later than any time a test appends, so that to these clients every appended change is past. */
  static final Instant FAR_FUTURE = Instant.parse("2100-01-01T00:00:00Z");

  private final StubServerExtension server;

  ServerClients(StubServerExtension server) {
    this.server = server;
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
}
