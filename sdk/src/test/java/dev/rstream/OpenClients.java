package dev.rstream;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Clients a test builds, closed after it: register with {@code @RegisterExtension}. */
class OpenClients implements AfterEachCallback {
  private final List<RStreamClient> open = new CopyOnWriteArrayList<>();

  /** Builds a client that is closed after the test. */
  RStreamClient client(RStreamClient.Builder builder) {
    RStreamClient client = builder.build();
    open.add(client);
    return client;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    open.forEach(RStreamClient::close);
    open.clear();
  }
}
