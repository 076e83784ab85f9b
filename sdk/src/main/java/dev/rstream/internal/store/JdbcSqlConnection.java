package dev.rstream.internal.store;

import dev.rstream.LocalStoreException;
import dev.rstream.LocalStoreException.Reason;
import java.io.File;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SqlConnection} on the xerial JDBC driver ({@code org.xerial:sqlite-jdbc}), the one
 * behind {@code SqliteStore}. The connection stays in auto-commit mode; transactions are SQLite's
 * own {@code BEGIN} and {@code COMMIT}, so a transaction SQLite rolled back by itself (it does on
 * {@code SQLITE_FULL}) leaves no driver state behind. Statements are prepared once and reused.
 */
public final class JdbcSqlConnection implements SqlConnection {
  // SQLite primary result codes (the driver reports extended codes; the low byte is the primary).
  private static final int SQLITE_READONLY = 8;
  private static final int SQLITE_CORRUPT = 11;
  private static final int SQLITE_FULL = 13;
  private static final int SQLITE_CANTOPEN = 14;
  private static final int SQLITE_NOTADB = 26;

  private final Connection connection;
  private final Map<String, PreparedStatement> prepared = new HashMap<>();

  private JdbcSqlConnection(Connection connection) {
    this.connection = connection;
  }

  /**
   * Opens {@code file} in WAL mode.
   *
   * @throws LocalStoreException with {@link Reason#NO_DRIVER} if the driver is not on the class
   *     path.
   */
  public static SqlConnection open(File file) throws SqlFailure {
    try {
      // Loaded here, not at class load: apps that only use the in-memory store need no driver.
      Class.forName("org.sqlite.JDBC");
    } catch (ClassNotFoundException e) {
      throw new LocalStoreException(
          Reason.NO_DRIVER,
          file,
          "the SQLite store needs org.xerial:sqlite-jdbc on the class path",
          e);
    }
    Connection connection;
    try {
      connection = DriverManager.getConnection("jdbc:sqlite:" + file.getPath());
    } catch (SQLException e) {
      throw failure(e);
    }
    try (Statement s = connection.createStatement()) {
      // Wait for a checkpoint rather than fail; the file lock keeps other writers out anyway.
      s.execute("PRAGMA busy_timeout = 5000");
      try (ResultSet r = s.executeQuery("PRAGMA journal_mode = WAL")) {
        r.next();
      }
      // NORMAL in WAL mode: a killed process loses nothing committed; only power loss may drop the
      // last transactions, never corrupt the file.
      s.execute("PRAGMA synchronous = NORMAL");
      return new JdbcSqlConnection(connection);
    } catch (SQLException e) {
      try {
        connection.close();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw failure(e);
    }
  }

  private static SqlFailure failure(SQLException e) {
    int code = e.getErrorCode() & 0xff;
    SqlFailure.Kind kind =
        code == SQLITE_FULL
            ? SqlFailure.Kind.FULL
            : code == SQLITE_READONLY || code == SQLITE_CANTOPEN
                ? SqlFailure.Kind.NOT_WRITABLE
                : code == SQLITE_CORRUPT || code == SQLITE_NOTADB
                    ? SqlFailure.Kind.CORRUPT
                    : SqlFailure.Kind.OTHER;
    return new SqlFailure(kind, String.valueOf(e.getMessage()), e);
  }

  private PreparedStatement bound(String sql, @Nullable Object[] args) throws SQLException {
    PreparedStatement s = prepared.get(sql);
    if (s == null) {
      s = connection.prepareStatement(sql);
      prepared.put(sql, s);
    }
    for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
    return s;
  }

  @Override
  public void execute(String sql, @Nullable Object... args) throws SqlFailure {
    try {
      bound(sql, args).execute();
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  @Override
  public Rows query(String sql, Object... args) throws SqlFailure {
    try {
      return new JdbcRows(bound(sql, args).executeQuery());
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  @Override
  public void begin() throws SqlFailure {
    execute("BEGIN");
  }

  @Override
  public void commit() throws SqlFailure {
    try {
      execute("COMMIT");
    } catch (SqlFailure e) {
      rollback();
      throw e;
    }
  }

  @Override
  public void rollback() {
    try (Statement s = connection.createStatement()) {
      s.execute("ROLLBACK");
    } catch (SQLException alreadyRolledBack) {
      // SQLite ends the transaction itself on some failures (SQLITE_FULL): nothing to undo.
    }
  }

  @Override
  public void close() {
    try {
      connection.close(); // closes its statements too
    } catch (SQLException e) {
      java.util.logging.Logger.getLogger(JdbcSqlConnection.class.getName())
          .log(java.util.logging.Level.WARNING, "closing a local store", e);
    }
  }

  private static final class JdbcRows implements Rows {
    private final ResultSet rows;

    JdbcRows(ResultSet rows) {
      this.rows = rows;
    }

    @Override
    public boolean next() throws SqlFailure {
      try {
        return rows.next();
      } catch (SQLException e) {
        throw failure(e);
      }
    }

    @Override
    public @Nullable String text(int column) throws SqlFailure {
      try {
        return rows.getString(column + 1);
      } catch (SQLException e) {
        throw failure(e);
      }
    }

    @Override
    public long number(int column) throws SqlFailure {
      try {
        return rows.getLong(column + 1);
      } catch (SQLException e) {
        throw failure(e);
      }
    }

    @Override
    public void close() {
      try {
        rows.close();
      } catch (SQLException ignored) {
        // Closing rows already read; the statement is reused.
      }
    }
  }
}
