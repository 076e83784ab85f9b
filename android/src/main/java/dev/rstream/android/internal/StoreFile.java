package dev.rstream.android.internal;

import android.database.Cursor;
import android.database.sqlite.SQLiteAccessPermException;
import android.database.sqlite.SQLiteCantOpenDatabaseException;
import android.database.sqlite.SQLiteDatabase;
import android.database.sqlite.SQLiteDatabaseCorruptException;
import android.database.sqlite.SQLiteException;
import android.database.sqlite.SQLiteFullException;
import android.database.sqlite.SQLiteReadOnlyDatabaseException;
import dev.rstream.LocalStoreException;
import dev.rstream.LocalStoreException.Reason;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * A store file opened for one owner: locked ({@code <file>.lock}) for the life of this object, so
 * that a second store on the same file, in this process or another, is refused with {@link
 * Reason#IN_USE}; checked, and moved aside and rebuilt if it is corrupt or has another schema
 * version. Its window tables are those of {@code SqliteStore}'s schema 1; {@code SqliteStore} has
 * since added its outbox (schema 2), so the two stores move each other's files aside.
 */
final class StoreFile implements Closeable {
  private static final Logger log = Logger.getLogger(StoreFile.class.getName());

  /** Bumped when the schema changes; a file with another version is moved aside and rebuilt. */
  static final int SCHEMA_VERSION = 1;

  private static final String[] SCHEMA = {
    "CREATE TABLE keyframe_index (stream TEXT NOT NULL, position INTEGER NOT NULL,"
        + " start_offset TEXT NOT NULL, ts TEXT NOT NULL, PRIMARY KEY (stream, position))",
    "CREATE TABLE index_next (stream TEXT PRIMARY KEY, next_offset TEXT NOT NULL)",
    // slot: 'live', or 'w:' + window id for a committed window.
    "CREATE TABLE windows (stream TEXT NOT NULL, slot TEXT NOT NULL, start_offset TEXT, start_ts TEXT,"
        + " end_offset TEXT, end_ts TEXT, base_offset TEXT NOT NULL, end_at TEXT NOT NULL,"
        + " changes INTEGER NOT NULL, bytes INTEGER NOT NULL, last_used INTEGER NOT NULL,"
        + " PRIMARY KEY (stream, slot))",
    "CREATE INDEX windows_lru ON windows (last_used)",
    // part 0: the start keyframe's inserts; part 1: the changes after it.
    "CREATE TABLE messages (stream TEXT NOT NULL, slot TEXT NOT NULL, part INTEGER NOT NULL,"
        + " seq INTEGER NOT NULL, type TEXT NOT NULL, key TEXT NOT NULL, op TEXT NOT NULL,"
        + " value TEXT, old_value TEXT, ts TEXT, txid TEXT, at TEXT,"
        + " PRIMARY KEY (stream, slot, part, seq))",
    "CREATE TABLE producers (stream TEXT PRIMARY KEY, producer_id TEXT NOT NULL, epoch INTEGER NOT NULL)",
  };

  // No android_metadata table (no localized collation is used), so an empty file stays empty.
  private static final int FLAGS =
      SQLiteDatabase.OPEN_READWRITE
          | SQLiteDatabase.CREATE_IF_NECESSARY
          | SQLiteDatabase.ENABLE_WRITE_AHEAD_LOGGING
          | SQLiteDatabase.NO_LOCALIZED_COLLATORS;

  final File file;
  final SQLiteDatabase db;
  private final RandomAccessFile lockFile;
  private final FileLock lock;

  private StoreFile(File file, SQLiteDatabase db, RandomAccessFile lockFile, FileLock lock) {
    this.file = file;
    this.db = db;
    this.lockFile = lockFile;
    this.lock = lock;
  }

  /**
   * Locks and opens {@code file}, creating it and its directory if missing.
   *
   * @throws LocalStoreException if the file cannot be written or is in use.
   */
  static StoreFile open(File file) {
    File dir = file.getAbsoluteFile().getParentFile();
    if (dir != null && !dir.isDirectory() && !dir.mkdirs()) {
      throw new LocalStoreException(
          Reason.NOT_WRITABLE, file, "cannot create the store's directory " + dir, null);
    }
    if (dir != null && !dir.canWrite()) {
      throw new LocalStoreException(
          Reason.NOT_WRITABLE, file, "the store's directory is read-only", null);
    }
    RandomAccessFile lockFile;
    try {
      lockFile = new RandomAccessFile(file.getPath() + ".lock", "rw");
    } catch (IOException e) {
      throw new LocalStoreException(
          Reason.NOT_WRITABLE, file, "cannot create the store's lock file", e);
    }
    FileLock lock = null;
    try {
      lock = tryLock(lockFile, file);
      return new StoreFile(file, openVerified(file), lockFile, lock);
    } catch (SQLiteException e) {
      throw closeAfter(lockFile, lock, failure(file, "cannot open the store", e));
    } catch (RuntimeException e) {
      throw closeAfter(lockFile, lock, e);
    }
  }

  /** The typed failure for a platform SQLite error while doing {@code what}. */
  static LocalStoreException failure(File file, String what, SQLiteException e) {
    Reason reason =
        e instanceof SQLiteFullException
            ? Reason.DISK_FULL
            : e instanceof SQLiteReadOnlyDatabaseException
                    || e instanceof SQLiteCantOpenDatabaseException
                    || e instanceof SQLiteAccessPermException
                ? Reason.NOT_WRITABLE
                : Reason.IO;
    return new LocalStoreException(reason, file, what + ": " + e.getMessage(), e);
  }

  private static FileLock tryLock(RandomAccessFile lockFile, File file) {
    try {
      FileLock lock = lockFile.getChannel().tryLock();
      if (lock == null) {
        throw new LocalStoreException(
            Reason.IN_USE, file, "the store is open in another process", null);
      }
      return lock;
    } catch (OverlappingFileLockException e) {
      throw new LocalStoreException(
          Reason.IN_USE,
          file,
          "the store is already open in this process: share one store between clients",
          e);
    } catch (IOException e) {
      throw new LocalStoreException(Reason.NOT_WRITABLE, file, "cannot lock the store", e);
    }
  }

  private static RuntimeException closeAfter(
      RandomAccessFile lockFile, @Nullable FileLock lock, RuntimeException e) {
    try {
      if (lock != null) lock.release();
      lockFile.close();
    } catch (IOException suppressed) {
      e.addSuppressed(suppressed);
    }
    return e;
  }

  /** A database that passed the checks, after moving a bad file aside if needed. */
  private static SQLiteDatabase openVerified(File file) {
    String problem;
    SQLiteDatabase db = null;
    try {
      db = connect(file);
      problem = check(db);
      if (problem == null) return db;
    } catch (SQLiteDatabaseCorruptException e) {
      problem = "not a readable SQLite database: " + e.getMessage();
    }
    if (db != null) db.close();
    File aside = new File(file.getPath() + ".corrupt-" + System.currentTimeMillis());
    log.warning(
        "local store "
            + file
            + " "
            + problem
            + "; moved aside to "
            + aside
            + ", rebuilding from the server");
    if (!file.renameTo(aside)) {
      throw new LocalStoreException(
          Reason.NOT_WRITABLE, file, "cannot move the bad store aside (" + problem + ")", null);
    }
    for (String suffix : new String[] {"-wal", "-shm", "-journal"}) {
      File companion = new File(file.getPath() + suffix);
      if (companion.exists() && !companion.renameTo(new File(aside.getPath() + suffix)))
        companion.delete();
    }
    db = connect(file);
    String again = check(db);
    if (again != null) {
      db.close();
      throw new LocalStoreException(Reason.IO, file, "a new store fails its check: " + again, null);
    }
    return db;
  }

  private static SQLiteDatabase connect(File file) {
    // The store moves a corrupt file aside itself: the platform's default handler would delete it.
    return SQLiteDatabase.openDatabase(file.getPath(), null, FLAGS, corrupt -> {});
  }

  /** Null if the store is usable (creating the schema in an empty file), else what is wrong. */
  private static @Nullable String check(SQLiteDatabase db) {
    String quickCheck = single(db, "PRAGMA quick_check");
    if (!"ok".equals(quickCheck)) return "fails SQLite's check: " + quickCheck;
    int version = db.getVersion();
    if (version == SCHEMA_VERSION) return null;
    if (version != 0)
      return "has schema version " + version + ", this client needs " + SCHEMA_VERSION;
    String tables =
        single(db, "SELECT COUNT(*) FROM sqlite_master WHERE name <> 'android_metadata'");
    if (!"0".equals(tables)) return "has tables but no schema version";
    db.beginTransaction();
    try {
      for (String sql : SCHEMA) db.execSQL(sql);
      db.setVersion(SCHEMA_VERSION);
      db.setTransactionSuccessful();
    } finally {
      db.endTransaction();
    }
    return null;
  }

  private static @Nullable String single(SQLiteDatabase db, String sql) {
    try (Cursor c = db.rawQuery(sql, null)) {
      return c.moveToFirst() ? c.getString(0) : null;
    }
  }

  /** Closes the database and releases the file lock. */
  @Override
  public void close() {
    db.close();
    try {
      lock.release();
      lockFile.close();
    } catch (IOException e) {
      log.log(Level.WARNING, "unlocking local store " + file, e);
    }
  }
}
