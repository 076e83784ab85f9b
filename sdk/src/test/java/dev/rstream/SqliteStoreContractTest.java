package dev.rstream;

import java.io.File;
import org.junit.jupiter.api.io.TempDir;

/** {@link SqliteStore} passes the store contract, each store in a new database file. */
class SqliteStoreContractTest extends LocalStoreContractTest {
  @TempDir File dir;

  SqliteStoreContractTest() {
    super(SqliteStore::open);
  }

  @Override
  protected File directory() {
    return dir;
  }
}
