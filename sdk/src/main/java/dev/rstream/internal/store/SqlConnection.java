package dev.rstream.internal.store;

import java.io.File;
import org.jspecify.annotations.Nullable;

/**
 * One connection to one SQLite file, as {@link SqlLocalStore} needs it: statements, queries and
 * transactions, every failure a {@link SqlFailure}. The JDBC driver ({@link JdbcSqlConnection}) and
 * Android's {@code android.database.sqlite} each implement it, so the store's logic is written
 * once.
 *
 * <p>Not thread-safe: the store serializes every call. Arguments are {@code String}, {@code Long},
 * {@code Integer} or null; columns are numbered from 0.
 */
public interface SqlConnection {
  /** Opens a connection to {@code file} (creating it if missing) in WAL mode. */
  interface Opener {
    SqlConnection open(File file) throws SqlFailure;
  }

  /** Runs a statement that answers no rows. */
  void execute(String sql, @Nullable Object... args) throws SqlFailure;

  /** Runs a query; the caller closes the rows. Arguments of a query are never null. */
  Rows query(String sql, Object... args) throws SqlFailure;

  /** Starts a transaction. */
  void begin() throws SqlFailure;

  /** Commits the transaction; if that fails, it is rolled back before the failure is thrown. */
  void commit() throws SqlFailure;

  /** Rolls the transaction back, if SQLite has not already; never throws. */
  void rollback();

  /** Closes the connection. */
  void close();

  /** The rows of a query, read forward once. */
  interface Rows extends AutoCloseable {
    /** Moves to the next row; false after the last. */
    boolean next() throws SqlFailure;

    /** The text of {@code column} in this row, or null. */
    @Nullable String text(int column) throws SqlFailure;

    /** The integer in {@code column} of this row (0 for null). */
    long number(int column) throws SqlFailure;

    /** The text of {@code column}, which the schema never leaves null. */
    default String requiredText(int column) throws SqlFailure {
      String text = text(column);
      if (text == null) throw new SqlFailure(SqlFailure.Kind.CORRUPT, "null in column " + column);
      return text;
    }

    @Override
    void close();
  }
}
