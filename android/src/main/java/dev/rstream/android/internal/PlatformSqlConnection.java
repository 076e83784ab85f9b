package dev.rstream.android.internal;

import android.database.Cursor;
import android.database.sqlite.SQLiteAccessPermException;
import android.database.sqlite.SQLiteCantOpenDatabaseException;
import android.database.sqlite.SQLiteDatabase;
import android.database.sqlite.SQLiteDatabaseCorruptException;
import android.database.sqlite.SQLiteException;
import android.database.sqlite.SQLiteFullException;
import android.database.sqlite.SQLiteReadOnlyDatabaseException;
import dev.rstream.internal.store.SqlConnection;
import dev.rstream.internal.store.SqlFailure;
import java.io.File;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SqlConnection} on the platform's {@code android.database.sqlite}, the one behind {@code
 * AndroidSqliteStore}. Every statement of the store runs in a transaction, so on the database's
 * primary connection: a per-connection {@code PRAGMA} holds for all of them.
 */
public final class PlatformSqlConnection implements SqlConnection {
  // No android_metadata table (no localized collation is used), so an empty file stays empty.
  private static final int FLAGS =
      SQLiteDatabase.OPEN_READWRITE
          | SQLiteDatabase.CREATE_IF_NECESSARY
          | SQLiteDatabase.ENABLE_WRITE_AHEAD_LOGGING
          | SQLiteDatabase.NO_LOCALIZED_COLLATORS;

  private final SQLiteDatabase db;

  private PlatformSqlConnection(SQLiteDatabase db) {
    this.db = db;
  }

  /** Opens {@code file} in WAL mode, creating it if missing. */
  public static SqlConnection open(File file) throws SqlFailure {
    try {
      // The store moves a corrupt file aside itself: the platform's default handler would delete
      // it.
      return new PlatformSqlConnection(
          SQLiteDatabase.openDatabase(file.getPath(), null, FLAGS, corrupt -> {}));
    } catch (SQLiteException e) {
      throw failure(e);
    }
  }

  private static SqlFailure failure(SQLiteException e) {
    SqlFailure.Kind kind =
        e instanceof SQLiteFullException
            ? SqlFailure.Kind.FULL
            : e instanceof SQLiteReadOnlyDatabaseException
                    || e instanceof SQLiteCantOpenDatabaseException
                    || e instanceof SQLiteAccessPermException
                ? SqlFailure.Kind.NOT_WRITABLE
                : e instanceof SQLiteDatabaseCorruptException
                    ? SqlFailure.Kind.CORRUPT
                    : SqlFailure.Kind.OTHER;
    return new SqlFailure(kind, String.valueOf(e.getMessage()), e);
  }

  @Override
  public void execute(String sql, @Nullable Object... args) throws SqlFailure {
    try {
      db.execSQL(sql, args);
    } catch (SQLiteException e) {
      throw failure(e);
    }
  }

  @Override
  public Rows query(String sql, Object... args) throws SqlFailure {
    // The platform binds query arguments as text; SQLite's column affinity compares them as the
    // column's type.
    String[] text = new String[args.length];
    for (int i = 0; i < args.length; i++) text[i] = String.valueOf(args[i]);
    try {
      return new CursorRows(db.rawQuery(sql, text));
    } catch (SQLiteException e) {
      throw failure(e);
    }
  }

  @Override
  public void begin() throws SqlFailure {
    try {
      db.beginTransaction();
    } catch (SQLiteException e) {
      throw failure(e);
    }
  }

  @Override
  public void commit() throws SqlFailure {
    try {
      db.setTransactionSuccessful();
    } finally {
      try {
        db.endTransaction(); // ends it, committed or (if the commit failed) not
      } catch (SQLiteException e) {
        throw failure(e);
      }
    }
  }

  @Override
  public void rollback() {
    try {
      db.endTransaction();
    } catch (RuntimeException alreadyRolledBack) {
      // SQLite ends the transaction itself on some failures (SQLITE_FULL): nothing to undo.
    }
  }

  @Override
  public void close() {
    db.close();
  }

  private static final class CursorRows implements Rows {
    private final Cursor cursor;

    CursorRows(Cursor cursor) {
      this.cursor = cursor;
    }

    @Override
    public boolean next() throws SqlFailure {
      try {
        return cursor.moveToNext();
      } catch (SQLiteException e) {
        throw failure(e);
      }
    }

    @Override
    public @Nullable String text(int column) {
      return cursor.getString(column);
    }

    @Override
    public long number(int column) {
      return cursor.getLong(column);
    }

    @Override
    public void close() {
      cursor.close();
    }
  }
}
