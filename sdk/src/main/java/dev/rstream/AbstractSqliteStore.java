package dev.rstream;

import static java.util.Objects.requireNonNull;

import dev.rstream.internal.store.SqlConnection;
import dev.rstream.internal.store.SqlLocalStore;
import java.io.Closeable;
import java.io.File;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A durable {@link LocalStore} in one SQLite file (WAL mode), so that a restarted app answers
 * committed windows from disk with no request and resumes the live window where it stopped. The
 * store logic and file format of {@link SqliteStore} (JDBC) and {@code AndroidSqliteStore} (the
 * platform's {@code android.database.sqlite}): they differ only in the driver that opens the file,
 * so a file written by one is read by the other.
 *
 * <p>Each batch the live cursor reads is stored in one transaction with the offset after it, so a
 * crash at any point leaves a prefix of the stream that the next start resumes from. Committed
 * windows are kept within a byte budget ({@link Builder#maxWindowBytes}), least recently used
 * evicted first; an evicted window is read again when asked for (the windows a client is using are
 * held in its memory, so eviction never takes them from it). The live window is never evicted. It
 * {@linkplain #keepsOutbox keeps the outbox}: an append is written to the file before it is sent,
 * and one the server has not acknowledged is sent again after a restart.
 *
 * <p>A file that is corrupt or from a schema version this client cannot use is logged, moved aside
 * ({@code <file>.corrupt-<millis>}) and rebuilt from the server; a file from before the outbox
 * (schema version 1) is migrated in place, keeping its windows. A full disk fails a write with
 * {@link LocalStoreException.Reason#DISK_FULL}. Thread-safe; share one store between the clients of
 * a process. A second store on the same file (in this or another process) is refused with {@link
 * LocalStoreException.Reason#IN_USE}. Clients never close it: the app does, after closing its
 * clients.
 *
 * <p>Apps use its two subclasses; it is not for apps to extend (its constructor takes the SDK's
 * internal store).
 */
public abstract class AbstractSqliteStore implements LocalStore, Closeable {
  private final SqlLocalStore database;

  /** For the SDK's two stores: {@code database} is the store logic on their driver. */
  protected AbstractSqliteStore(SqlLocalStore database) {
    this.database = requireNonNull(database, "database == null");
  }

  /** The bytes the committed windows take in the store, as counted against the budget. */
  public final long committedBytes() {
    return database.committedBytes();
  }

  @Override
  public final List<Keyframe> keyframes(String streamUrl) {
    return database.keyframes(streamUrl);
  }

  @Override
  public final Offset keyframesNext(String streamUrl) {
    return database.keyframesNext(streamUrl);
  }

  @Override
  public final void putKeyframes(String streamUrl, List<Keyframe> keyframes, Offset next) {
    database.putKeyframes(streamUrl, keyframes, next);
  }

  @Override
  public final @Nullable StoredWindow window(String streamUrl, String windowId) {
    return database.window(streamUrl, windowId);
  }

  @Override
  public final void putWindow(String streamUrl, StoredWindow window) {
    database.putWindow(streamUrl, window);
  }

  @Override
  public final @Nullable StoredWindow liveWindow(String streamUrl) {
    return database.liveWindow(streamUrl);
  }

  @Override
  public final void putLiveWindow(String streamUrl, StoredWindow window) {
    database.putLiveWindow(streamUrl, window);
  }

  @Override
  public final boolean appendLive(
      String streamUrl, String windowId, Offset from, List<Change> changes, Offset to) {
    return database.appendLive(streamUrl, windowId, from, changes, to);
  }

  @Override
  public final @Nullable StoredProducer producer(String streamUrl) {
    return database.producer(streamUrl);
  }

  @Override
  public final void putProducer(String streamUrl, StoredProducer producer) {
    database.putProducer(streamUrl, producer);
  }

  /** True: the outbox is kept in the file, in the same transactions as the producer's numbers. */
  @Override
  public final boolean keepsOutbox() {
    return true;
  }

  @Override
  public final OutboxEntry addToOutbox(String streamUrl, String newProducerId, String body) {
    return database.addToOutbox(streamUrl, newProducerId, body);
  }

  /** All of {@code bodies} in one transaction. */
  @Override
  public final List<OutboxEntry> addToOutbox(
      String streamUrl, String newProducerId, List<String> bodies) {
    return database.addToOutbox(streamUrl, newProducerId, bodies);
  }

  @Override
  public final List<OutboxEntry> outbox(String streamUrl) {
    return database.outbox(streamUrl);
  }

  @Override
  public final void acknowledgeOutbox(String streamUrl, long epoch, long seq) {
    database.acknowledgeOutbox(streamUrl, epoch, seq);
  }

  @Override
  public final List<OutboxEntry> renumberOutbox(
      String streamUrl, long seq, long epoch, long firstSeq) {
    return database.renumberOutbox(streamUrl, seq, epoch, firstSeq);
  }

  @Override
  public final void clear(String streamUrl) {
    database.clear(streamUrl);
  }

  /** Closes the file and releases its lock. Close the clients using it first. Idempotent. */
  @Override
  public final void close() {
    database.close();
  }

  /**
   * The settings both stores are built from; checks each argument as it is set. Not thread-safe.
   *
   * @param <B> the subclass's own builder, which each setter returns.
   */
  public abstract static class Builder<B extends Builder<B>> {
    private @Nullable File file;
    private long maxWindowBytes = 64L * 1024 * 1024;

    /** For the SDK's two stores' builders. */
    protected Builder() {}

    /** The store file; created with its directory if missing. Required. */
    public final B file(File file) {
      this.file = requireNonNull(file, "file == null");
      return self();
    }

    /** The budget for committed windows, in bytes; 64 MiB by default. */
    public final B maxWindowBytes(long maxWindowBytes) {
      if (maxWindowBytes < 0) throw new IllegalArgumentException("maxWindowBytes < 0");
      this.maxWindowBytes = maxWindowBytes;
      return self();
    }

    @SuppressWarnings("unchecked") // B is this builder's own class, as its declaration requires
    private B self() {
      return (B) this;
    }

    /**
     * Opens the store logic in the file set, through {@code driver}.
     *
     * @throws IllegalStateException if no file was set.
     * @throws LocalStoreException if the file cannot be written or is in use.
     */
    protected final SqlLocalStore open(SqlConnection.Opener driver) {
      if (file == null) throw new IllegalStateException("file == null");
      return SqlLocalStore.open(file, maxWindowBytes, driver);
    }
  }
}
