package dev.rstream;

import java.io.File;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Clients and stores a test opens, closed after it, the clients first (a store outlives the clients
 * that use it): register with {@code @RegisterExtension}.
 */
class OpenClients implements AfterEachCallback {
  private final List<RStreamClient> open = new CopyOnWriteArrayList<>();
  private final List<SqliteStore> stores = new CopyOnWriteArrayList<>();

  /** Builds a client that is closed after the test. */
  RStreamClient client(RStreamClient.Builder builder) {
    RStreamClient client = builder.build();
    open.add(client);
    return client;
  }

  /** Opens a SQLite store on {@code file} that is closed after the test, after the clients. */
  SqliteStore store(File file) {
    SqliteStore store = SqliteStore.open(file);
    stores.add(store);
    return store;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    open.forEach(RStreamClient::close);
    open.clear();
    stores.forEach(SqliteStore::close);
    stores.clear();
  }
}
