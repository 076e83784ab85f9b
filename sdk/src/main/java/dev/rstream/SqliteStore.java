package dev.rstream;

import static java.util.Objects.requireNonNull;

import dev.rstream.internal.store.JdbcSqlConnection;
import dev.rstream.internal.store.SqlLocalStore;
import java.io.Closeable;
import java.io.File;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A durable {@link LocalStore} in one SQLite file (WAL mode), so that a restarted app answers
 * committed windows from disk with no request and resumes the live window where it stopped. Needs
 * {@code org.xerial:sqlite-jdbc} on the class path (an optional dependency of the SDK: it is loaded
 * only when a store is opened).
 *
 * <p>Each batch the live cursor reads is stored in one transaction with the offset after it, so a
 * crash at any point leaves a prefix of the stream that the next start resumes from. Committed
 * windows are kept within a byte budget ({@link Builder#maxWindowBytes}), least recently used
 * evicted first; an evicted window is read again when asked for (the windows a client is using are
 * held in its memory, so eviction never takes them from it). The live window is never evicted.
 *
 * <p>A file that is corrupt or from a schema version this client cannot use is logged, moved aside
 * ({@code <file>.corrupt-<millis>}) and rebuilt from the server; a file from before the outbox
 * (schema version 1) is migrated in place. The format is the one {@code AndroidSqliteStore} uses.
 * Thread-safe; share one store between the clients of a process. A second store on the same file
 * (in this or another process) is refused with {@link LocalStoreException.Reason#IN_USE}. Clients
 * never close it: the app does, after closing its clients.
 */
public final class SqliteStore implements LocalStore, Closeable {
  private final SqlLocalStore database;

  private SqliteStore(SqlLocalStore database) {
    this.database = database;
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

  /** The bytes the committed windows take in the store, as counted against the budget. */
  public long committedBytes() {
    return database.committedBytes();
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

  /** Builds a {@link SqliteStore}; checks each argument as it is set. Not thread-safe. */
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
     * @throws LocalStoreException if the file cannot be written, is in use, or the driver is
     *     missing.
     */
    public SqliteStore build() {
      if (file == null) throw new IllegalStateException("file == null");
      return new SqliteStore(SqlLocalStore.open(file, maxWindowBytes, JdbcSqlConnection::open));
    }
  }
}
