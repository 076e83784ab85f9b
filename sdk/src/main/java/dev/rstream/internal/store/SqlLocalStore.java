package dev.rstream.internal.store;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.LocalStore;
import dev.rstream.LocalStoreException;
import dev.rstream.LocalStoreException.Reason;
import dev.rstream.Offset;
import java.io.Closeable;
import java.io.File;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link LocalStore} in one SQLite file (WAL mode) on any {@link SqlConnection}: the logic behind
 * {@code SqliteStore} (JDBC) and {@code AndroidSqliteStore} ({@code android.database.sqlite}), so
 * both keep the same file format ({@link StoreSchema}) and make the same decisions. Every call is
 * one transaction, serialized by this object's lock (a SQLite connection is not for concurrent use,
 * and one writer at a time is what SQLite allows anyway).
 *
 * <p>Values are kept as the compact JSON text {@link Change} holds ({@link WindowTable}); the
 * outbox is kept in the same file ({@link OutboxTable}). The file is locked for the life of this
 * object ({@link StoreFile}). A database failure is a {@link LocalStoreException}: {@link
 * Reason#DISK_FULL} for a full disk, and the failed transaction left nothing half-written.
 */
public final class SqlLocalStore implements LocalStore, Closeable {
  private final StoreFile store;
  private final SqlConnection sql;
  private final WindowTable windows;
  private final OutboxTable outbox;
  private boolean closed;

  private SqlLocalStore(StoreFile store, long maxWindowBytes) throws SqlFailure {
    this.store = store;
    this.sql = store.sql;
    this.outbox = new OutboxTable(sql);
    sql.begin();
    try {
      windows = new WindowTable(sql, maxWindowBytes);
    } catch (SqlFailure | RuntimeException e) {
      sql.rollback();
      throw e;
    }
    sql.commit();
  }

  /**
   * Opens (or creates) the store in {@code file} through {@code opener}. A file that is not a
   * database, fails SQLite's check, or has a schema this client cannot use is logged, moved aside
   * ({@code <file>.corrupt-<millis>}) and replaced by an empty store: the client rebuilds from the
   * server. A file of schema version 1 (no outbox) is migrated in place.
   *
   * @throws LocalStoreException if the file cannot be written or is in use.
   */
  public static SqlLocalStore open(File file, long maxWindowBytes, SqlConnection.Opener opener) {
    StoreFile store = StoreFile.open(file, opener);
    try {
      return new SqlLocalStore(store, maxWindowBytes);
    } catch (SqlFailure e) {
      store.close();
      throw StoreFile.failure(file, "cannot open the store", e);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** Work in a transaction; null for work that answers nothing, or a read that found nothing. */
  private interface Work<T> {
    @Nullable T run() throws SqlFailure;
  }

  /** {@link #transaction} for work that always answers. */
  private <T> T transactionWithAnswer(String what, Work<T> work) {
    return Objects.requireNonNull(transaction(what, work), what);
  }

  /** Runs {@code work} as one transaction: all of it is stored, or none. Returns its answer. */
  private synchronized <T> @Nullable T transaction(String what, Work<T> work) {
    if (closed) throw new IllegalStateException("store closed: " + store.file);
    try {
      sql.begin();
      T result;
      try {
        result = work.run();
      } catch (SqlFailure | RuntimeException e) {
        sql.rollback();
        throw e;
      }
      sql.commit();
      return result;
    } catch (SqlFailure e) {
      throw StoreFile.failure(store.file, what, e);
    }
  }

  @Override
  public List<Keyframe> keyframes(String streamUrl) {
    return transactionWithAnswer(
        "read the keyframe index",
        () -> {
          List<Keyframe> result = new ArrayList<>();
          try (SqlConnection.Rows r =
              sql.query(
                  "SELECT start_offset, ts FROM keyframe_index WHERE stream = ? ORDER BY position",
                  streamUrl)) {
            while (r.next())
              result.add(
                  Keyframe.of(Offset.of(r.requiredText(0)), Instant.parse(r.requiredText(1))));
          }
          return result;
        });
  }

  @Override
  public Offset keyframesNext(String streamUrl) {
    return transactionWithAnswer(
        "read the keyframe index",
        () -> {
          try (SqlConnection.Rows r =
              sql.query("SELECT next_offset FROM index_next WHERE stream = ?", streamUrl)) {
            return r.next() ? Offset.of(r.requiredText(0)) : Offset.START;
          }
        });
  }

  @Override
  public void putKeyframes(String streamUrl, List<Keyframe> keyframes, Offset next) {
    transaction(
        "save the keyframe index",
        () -> {
          // The index grows by one entry per keyframe: append the new tail, rewrite only if the
          // stored entries are not a prefix (a rebuilt stream), or saving would be quadratic.
          int from = storedPrefix(streamUrl, keyframes);
          if (from < 0) {
            sql.execute("DELETE FROM keyframe_index WHERE stream = ?", streamUrl);
            from = 0;
          }
          for (int i = from; i < keyframes.size(); i++) {
            Keyframe k = keyframes.get(i);
            sql.execute(
                "INSERT INTO keyframe_index VALUES (?, ?, ?, ?)",
                streamUrl,
                (long) i,
                k.offset().value(),
                k.timestamp().toString());
          }
          sql.execute("INSERT OR REPLACE INTO index_next VALUES (?, ?)", streamUrl, next.value());
          return null;
        });
  }

  /** How many of {@code keyframes} are stored already as a prefix; -1 if the store differs. */
  private int storedPrefix(String streamUrl, List<Keyframe> keyframes) throws SqlFailure {
    try (SqlConnection.Rows r =
        sql.query(
            "SELECT position, start_offset, ts FROM keyframe_index WHERE stream = ?"
                + " ORDER BY position DESC LIMIT 1",
            streamUrl)) {
      if (!r.next()) return 0;
      int last = (int) r.number(0);
      if (last >= keyframes.size()) return -1;
      Keyframe k = keyframes.get(last);
      boolean same =
          k.offset().value().equals(r.text(1)) && k.timestamp().toString().equals(r.text(2));
      return same ? last + 1 : -1;
    }
  }

  @Override
  public @Nullable StoredWindow window(String streamUrl, String windowId) {
    return transaction("read a window", () -> windows.committed(streamUrl, windowId));
  }

  @Override
  public void putWindow(String streamUrl, StoredWindow window) {
    transaction(
        "save a window",
        () -> {
          windows.putCommitted(streamUrl, window);
          return null;
        });
  }

  @Override
  public @Nullable StoredWindow liveWindow(String streamUrl) {
    return transaction("read the live window", () -> windows.live(streamUrl));
  }

  @Override
  public void putLiveWindow(String streamUrl, StoredWindow window) {
    transaction(
        "save the live window",
        () -> {
          windows.putLive(streamUrl, window);
          return null;
        });
  }

  @Override
  public boolean appendLive(
      String streamUrl, String windowId, Offset from, List<Change> changes, Offset to) {
    return transactionWithAnswer(
        "append to the live window",
        () -> windows.appendLive(streamUrl, windowId, from, changes, to));
  }

  @Override
  public @Nullable StoredProducer producer(String streamUrl) {
    return transaction(
        "read the producer",
        () -> {
          try (SqlConnection.Rows r =
              sql.query("SELECT producer_id, epoch FROM producers WHERE stream = ?", streamUrl)) {
            return r.next() ? StoredProducer.of(r.requiredText(0), r.number(1)) : null;
          }
        });
  }

  @Override
  public void putProducer(String streamUrl, StoredProducer producer) {
    transaction(
        "save the producer",
        () -> {
          sql.execute(
              "INSERT OR REPLACE INTO producers VALUES (?, ?, ?)",
              streamUrl,
              producer.id(),
              producer.epoch());
          return null;
        });
  }

  /** True: the outbox is kept in the file, in the same transactions as the producer's numbers. */
  @Override
  public boolean keepsOutbox() {
    return true;
  }

  @Override
  public OutboxEntry addToOutbox(String streamUrl, String newProducerId, String body) {
    return transactionWithAnswer(
        "add to the outbox", () -> outbox.add(streamUrl, newProducerId, body));
  }

  @Override
  public List<OutboxEntry> addToOutbox(
      String streamUrl, String newProducerId, List<String> bodies) {
    return transactionWithAnswer(
        "add to the outbox",
        () -> {
          List<OutboxEntry> added = new ArrayList<>(bodies.size());
          for (String body : bodies) added.add(outbox.add(streamUrl, newProducerId, body));
          return added;
        });
  }

  @Override
  public List<OutboxEntry> outbox(String streamUrl) {
    return transactionWithAnswer("read the outbox", () -> outbox.entries(streamUrl));
  }

  @Override
  public void acknowledgeOutbox(String streamUrl, long epoch, long seq) {
    transaction(
        "acknowledge outbox entries",
        () -> {
          outbox.acknowledge(streamUrl, epoch, seq);
          return null;
        });
  }

  @Override
  public List<OutboxEntry> renumberOutbox(String streamUrl, long seq, long epoch, long firstSeq) {
    return transactionWithAnswer(
        "renumber the outbox", () -> outbox.renumber(streamUrl, seq, epoch, firstSeq));
  }

  /** Drops the stream's windows, index and producer; its outbox is kept. */
  @Override
  public void clear(String streamUrl) {
    transaction(
        "clear a stream",
        () -> {
          for (String table :
              new String[] {"keyframe_index", "index_next", "windows", "messages", "producers"}) {
            sql.execute("DELETE FROM " + table + " WHERE stream = ?", streamUrl);
          }
          windows.recount();
          return null;
        });
  }

  /** The bytes committed windows take in the store (the budget counts these). */
  public synchronized long committedBytes() {
    return windows.committedBytes();
  }

  /** The file's page size in bytes. For tests of a full disk. */
  public long pageSizeForTest() {
    return pragma("PRAGMA page_size");
  }

  /** The file's size in pages. For tests of a full disk. */
  public long pageCountForTest() {
    return pragma("PRAGMA page_count");
  }

  /**
   * Caps the file at {@code pages} pages (on the connection that writes): lets tests fill the
   * "disk" for real. Returns the cap SQLite set.
   */
  public long maxPageCountForTest(long pages) {
    return pragma("PRAGMA max_page_count = " + pages);
  }

  private long pragma(String pragma) {
    return transactionWithAnswer(
        pragma,
        () -> {
          try (SqlConnection.Rows r = sql.query(pragma)) {
            r.next();
            return r.number(0);
          }
        });
  }

  /** Closes the connection and releases the file lock. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    store.close();
  }
}
