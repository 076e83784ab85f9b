package dev.rstream;

import java.io.File;
import java.util.IdentityHashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/** {@link SqliteStore} passes the store contract, each store in a new database file. */
class SqliteStoreContractTest extends LocalStoreContractTest {
  @TempDir File dir;
  private int files;

  private final Map<LocalStore, File> fileOf = new IdentityHashMap<>();

  @Override
  protected LocalStore newStore() {
    return open(new File(dir, "contract-" + (files++) + ".db"));
  }

  @Override
  protected LocalStore reopen(LocalStore store) {
    ((SqliteStore) store).close();
    return open(fileOf.get(store));
  }

  private LocalStore open(File file) {
    SqliteStore store = SqliteStore.open(file);
    fileOf.put(store, file);
    return store;
  }
}
