package dev.rstream;

import java.io.File;
import org.junit.jupiter.api.io.TempDir;

/** {@link SqliteStore} passes the store contract, each store in a new database file. */
class SqliteStoreContractTest extends LocalStoreContractTest {
  @TempDir File dir;
  private int files;

  @Override
  protected LocalStore newStore() {
    return SqliteStore.open(new File(dir, "contract-" + (files++) + ".db"));
  }
}
