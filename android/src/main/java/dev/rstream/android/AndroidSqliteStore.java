package dev.rstream.android;

import static java.util.Objects.requireNonNull;

import android.content.Context;
import dev.rstream.AbstractSqliteStore;
import dev.rstream.LocalStore;
import dev.rstream.LocalStoreException;
import dev.rstream.android.internal.PlatformSqlConnection;
import dev.rstream.internal.store.SqlLocalStore;
import java.io.File;

/**
 * The durable {@link LocalStore} in one SQLite file on the platform's {@code
 * android.database.sqlite}: {@link AbstractSqliteStore} says what it keeps and how. It is the sdk's
 * {@code SqliteStore} on another driver (the same store logic and the same file format) and adds no
 * dependency: the device provides SQLite. Open it off the main thread: opening checks the file.
 */
public final class AndroidSqliteStore extends AbstractSqliteStore {
  /** The file name {@link #open(Context)} uses in the app's no-backup files directory. */
  public static final String DEFAULT_FILE_NAME = "rstream-store.db";

  private final SqlLocalStore database;

  private AndroidSqliteStore(SqlLocalStore database) {
    super(database);
    this.database = database;
  }

  /**
   * Opens (or creates) the store {@value #DEFAULT_FILE_NAME} in the app's no-backup files directory
   * ({@link Context#getNoBackupFilesDir()}: the store is a cache of the server, not worth a
   * backup), with the default budget.
   *
   * @throws LocalStoreException if the file cannot be written or is in use.
   */
  public static AndroidSqliteStore open(Context context) {
    requireNonNull(context, "context == null");
    return builder().file(new File(context.getNoBackupFilesDir(), DEFAULT_FILE_NAME)).build();
  }

  /**
   * Opens (or creates) the store in {@code file} with the default budget.
   *
   * @throws LocalStoreException if the file cannot be written or is in use.
   */
  public static AndroidSqliteStore open(File file) {
    return builder().file(file).build();
  }

  /** A builder; {@link Builder#file} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Caps the file at about {@code bytes}; returns the cap SQLite set. For tests of a full disk. */
  long maxSizeForTest(long bytes) {
    long page = database.pageSizeForTest();
    return database.maxPageCountForTest(Math.max(1, bytes / page)) * page;
  }

  /** The file's size as SQLite counts it. For tests of a full disk. */
  long sizeForTest() {
    return database.pageCountForTest() * database.pageSizeForTest();
  }

  /** Builds an {@link AndroidSqliteStore}; checks each argument as it is set. Not thread-safe. */
  public static final class Builder extends AbstractSqliteStore.Builder<Builder> {
    Builder() {}

    /**
     * Opens the store.
     *
     * @throws LocalStoreException if the file cannot be written or is in use.
     */
    public AndroidSqliteStore build() {
      return new AndroidSqliteStore(open(PlatformSqlConnection::open));
    }
  }
}
