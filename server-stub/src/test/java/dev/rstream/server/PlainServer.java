package dev.rstream.server;

import java.util.Objects;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A plain Durable Streams server-stub (its rstream conventions replaced by {@link
 * RecordingConventions}) started once per test class, with an {@link Http} client to it; both are
 * closed after the class. Register it in a static field with {@code @RegisterExtension}.
 */
final class PlainServer implements BeforeAllCallback, AfterAllCallback {
  private final UnaryOperator<StubServer.Builder> config;
  private @Nullable StubServer server;
  private @Nullable Http http;

  /** A server with the defaults. */
  PlainServer() {
    this(builder -> builder);
  }

  /** A server with what {@code config} sets on the builder besides the conventions. */
  PlainServer(UnaryOperator<StubServer.Builder> config) {
    this.config = config;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    StubServer started =
        config.apply(StubServer.builder().conventions(new RecordingConventions())).build().start();
    server = started;
    http = new Http(started);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (http != null) http.close();
    if (server != null) server.close();
  }

  /** The server; started before the class's tests. */
  StubServer server() {
    return Objects.requireNonNull(server, "not started");
  }

  /** The client to {@link #server}. */
  Http http() {
    return Objects.requireNonNull(http, "not started");
  }
}
