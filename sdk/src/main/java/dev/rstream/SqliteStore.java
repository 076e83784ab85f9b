package dev.rstream;

import dev.rstream.internal.store.JdbcSqlConnection;
import dev.rstream.internal.store.SqlLocalStore;
import java.io.File;

/**
 * The durable {@link LocalStore} in one SQLite file on the JVM, through JDBC: {@link
 * AbstractSqliteStore} says what it keeps and how. Needs {@code org.xerial:sqlite-jdbc} on the
 * class path (an optional dependency of the SDK: it is loaded only when a store is opened). The
 * format is the one {@code AndroidSqliteStore} uses.
 */
public final class SqliteStore extends AbstractSqliteStore {
  private SqliteStore(SqlLocalStore database) {
    super(database);
  }

  /**
   * Opens (or creates) the store in {@code file} with the default budget.
   *
   * @throws LocalStoreException if the file cannot be written, is in use, or the driver is missing.
   */
  public static SqliteStore open(File file) {
    return builder().file(file).build();
  }

  /** A builder; {@link Builder#file} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link SqliteStore}; checks each argument as it is set. Not thread-safe. */
  public static final class Builder extends AbstractSqliteStore.Builder<Builder> {
    Builder() {}

    /**
     * Opens the store.
     *
     * @throws LocalStoreException if the file cannot be written, is in use, or the driver is
     *     missing.
     */
    public SqliteStore build() {
      return new SqliteStore(open(JdbcSqlConnection::open));
    }
  }
}
