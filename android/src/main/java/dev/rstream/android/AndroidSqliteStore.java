package dev.rstream.android;

import static java.util.Objects.requireNonNull;

import android.content.Context;
import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.LocalStore;
import dev.rstream.LocalStoreException;
import dev.rstream.Offset;
import dev.rstream.android.internal.PlatformSqlConnection;
import dev.rstream.internal.store.SqlLocalStore;
import java.io.Closeable;
import java.io.File;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A durable {@link LocalStore} in one SQLite file on the platform's {@code android.database.sqlite}
 * (WAL mode), so that a restarted app answers committed windows from disk with no request and
 * resumes the live window where it stopped. It adds no dependency: the device provides SQLite.
 *
 * <p>It is the sdk's {@code SqliteStore} on another driver: the same store logic and the same file
 * format. Each batch the live cursor reads is stored in one transaction with the offset after it,
 * so a process killed at any point leaves a prefix of the stream that the next start resumes from.
 * Committed windows are kept within a byte budget ({@link Builder#maxWindowBytes}), least recently
 * used evicted first; an evicted window is read again when asked for. The live window is never
 * evicted. It {@linkplain #keepsOutbox keeps the outbox}: an append is written to the file before
 * it is sent, and one the server has not acknowledged is sent again after a restart.
 *
 * <p>A file that is corrupt or from a schema version this client cannot use is logged, moved aside
 * ({@code <file>.corrupt-<millis>}) and rebuilt from the server; a file from before the outbox
 * (schema version 1) is migrated in place, keeping its windows. A full disk fails a write with
 * {@link LocalStoreException.Reason#DISK_FULL}. Thread-safe; share one store between the clients of
 * a process (a second store on the same file is refused with {@link
 * LocalStoreException.Reason#IN_USE}). Clients never close it: the app does, after closing its
 * clients. Open it off the main thread: opening checks the file.
 */
public final class AndroidSqliteStore implements LocalStore, Closeable {
  /** The file name {@link #open(Context)} uses in the app's no-backup files directory. */
  public static final String DEFAULT_FILE_NAME = "rstream-store.db";

  private final SqlLocalStore database;

  private AndroidSqliteStore(SqlLocalStore database) {
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

  /** The bytes the committed windows take in the store, as counted against the budget. */
  public long committedBytes() {
    return database.committedBytes();
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

  @Override
  public List<Keyframe> keyframes(String streamUrl) {
    return database.keyframes(streamUrl);
  }

  @Override
  public Offset keyframesNext(String streamUrl) {
    return database.keyframesNext(streamUrl);
  }

  @Override
  public void putKeyframes(String streamUrl, List<Keyframe> keyframes, Offset next) {
    database.putKeyframes(streamUrl, keyframes, next);
  }

  @Override
  public @Nullable StoredWindow window(String streamUrl, String windowId) {
    return database.window(streamUrl, windowId);
  }

  @Override
  public void putWindow(String streamUrl, StoredWindow window) {
    database.putWindow(streamUrl, window);
  }

  @Override
  public @Nullable StoredWindow liveWindow(String streamUrl) {
    return database.liveWindow(streamUrl);
  }

  @Override
  public void putLiveWindow(String streamUrl, StoredWindow window) {
    database.putLiveWindow(streamUrl, window);
  }

  @Override
  public boolean appendLive(
      String streamUrl, String windowId, Offset from, List<Change> changes, Offset to) {
    return database.appendLive(streamUrl, windowId, from, changes, to);
  }

  @Override
  public @Nullable StoredProducer producer(String streamUrl) {
    return database.producer(streamUrl);
  }

  @Override
  public void putProducer(String streamUrl, StoredProducer producer) {
    database.putProducer(streamUrl, producer);
  }

  /** True: the outbox is kept in the file, in the same transactions as the producer's numbers. */
  @Override
  public boolean keepsOutbox() {
    return true;
  }

  @Override
  public OutboxEntry addToOutbox(String streamUrl, String newProducerId, String body) {
    return database.addToOutbox(streamUrl, newProducerId, body);
  }

  /** All of {@code bodies} in one transaction. */
  @Override
  public List<OutboxEntry> addToOutbox(
      String streamUrl, String newProducerId, List<String> bodies) {
    return database.addToOutbox(streamUrl, newProducerId, bodies);
  }

  @Override
  public List<OutboxEntry> outbox(String streamUrl) {
    return database.outbox(streamUrl);
  }

  @Override
  public void acknowledgeOutbox(String streamUrl, long epoch, long seq) {
    database.acknowledgeOutbox(streamUrl, epoch, seq);
  }

  @Override
  public List<OutboxEntry> renumberOutbox(String streamUrl, long seq, long epoch, long firstSeq) {
    return database.renumberOutbox(streamUrl, seq, epoch, firstSeq);
  }

  @Override
  public void clear(String streamUrl) {
    database.clear(streamUrl);
  }

  /** Closes the file and releases its lock. Close the clients using it first. Idempotent. */
  @Override
  public void close() {
    database.close();
  }

  /** Builds an {@link AndroidSqliteStore}; checks each argument as it is set. Not thread-safe. */
  public static final class Builder {
    private @Nullable File file;
    private long maxWindowBytes = 64L * 1024 * 1024;

    Builder() {}

    /** The store file; created with its directory if missing. Required. */
    public Builder file(File file) {
      this.file = requireNonNull(file, "file == null");
      return this;
    }

    /** The budget for committed windows, in bytes; 64 MiB by default. */
    public Builder maxWindowBytes(long maxWindowBytes) {
      if (maxWindowBytes < 0) throw new IllegalArgumentException("maxWindowBytes < 0");
      this.maxWindowBytes = maxWindowBytes;
      return this;
    }

    /**
     * Opens the store.
     *
     * @throws LocalStoreException if the file cannot be written or is in use.
     */
    public AndroidSqliteStore build() {
      if (file == null) throw new IllegalStateException("file == null");
      return new AndroidSqliteStore(
          SqlLocalStore.open(file, maxWindowBytes, PlatformSqlConnection::open));
    }
  }
}
