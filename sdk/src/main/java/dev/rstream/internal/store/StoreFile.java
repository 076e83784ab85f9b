package dev.rstream.internal.store;

import dev.rstream.LocalStoreException;
import dev.rstream.LocalStoreException.Reason;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * A store file opened for one owner, on any driver: locked ({@code <file>.lock}) for the life of
 * this object, so that a second store on the same file, in this process or another, is refused with
 * {@link Reason#IN_USE}; checked by {@link StoreSchema}, and moved aside ({@code
 * <file>.corrupt-<millis>}, with its {@code -wal} and {@code -shm}) and rebuilt empty if it is not
 * a database, fails SQLite's check, or has a schema this client cannot use.
 */
final class StoreFile {
  private static final Logger log = Logger.getLogger(StoreFile.class.getName());

  final File file;
  final SqlConnection sql;
  private final RandomAccessFile lockFile;
  private final FileLock lock;

  private StoreFile(File file, SqlConnection sql, RandomAccessFile lockFile, FileLock lock) {
    this.file = file;
    this.sql = sql;
    this.lockFile = lockFile;
    this.lock = lock;
  }

  /**
   * Locks and opens {@code file}, creating it and its directory if missing.
   *
   * @throws LocalStoreException if the file cannot be written or is in use.
   */
  static StoreFile open(File file, SqlConnection.Opener opener) {
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
      return new StoreFile(file, openVerified(file, opener), lockFile, lock);
    } catch (SqlFailure e) {
      throw closeAfter(lockFile, lock, failure(file, "cannot open the store", e));
    } catch (RuntimeException e) {
      throw closeAfter(lockFile, lock, e);
    }
  }

  /** The typed failure for a database failure while doing {@code what}. */
  static LocalStoreException failure(File file, String what, SqlFailure e) {
    Reason reason =
        e.kind() == SqlFailure.Kind.FULL
            ? Reason.DISK_FULL
            : e.kind() == SqlFailure.Kind.NOT_WRITABLE ? Reason.NOT_WRITABLE : Reason.IO;
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

  /** A connection to a store that passed the checks, after moving a bad file aside if needed. */
  private static SqlConnection openVerified(File file, SqlConnection.Opener opener)
      throws SqlFailure {
    SqlConnection sql = null;
    String problem;
    try {
      sql = opener.open(file);
      problem = StoreSchema.check(sql);
      if (problem == null) return sql;
    } catch (SqlFailure e) {
      if (e.kind() != SqlFailure.Kind.CORRUPT) {
        if (sql != null) sql.close();
        throw e;
      }
      problem = "not a readable SQLite database: " + e.getMessage();
    }
    if (sql != null) sql.close();
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
    sql = opener.open(file);
    String again = StoreSchema.check(sql);
    if (again != null) {
      sql.close();
      throw new LocalStoreException(Reason.IO, file, "a new store fails its check: " + again, null);
    }
    return sql;
  }

  /** Closes the connection and releases the file lock. */
  void close() {
    sql.close();
    try {
      lock.release();
      lockFile.close();
    } catch (IOException e) {
      log.log(Level.WARNING, "unlocking local store " + file, e);
    }
  }
}
