package dev.rstream.android.internal;

import android.database.Cursor;
import android.database.DatabaseUtils;
import android.database.sqlite.SQLiteDatabaseCorruptException;
import android.database.sqlite.SQLiteException;
import android.database.sqlite.SQLiteStatement;
import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.LocalStore;
import dev.rstream.LocalStoreException;
import dev.rstream.Offset;
import java.io.Closeable;
import java.io.File;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * A {@link LocalStore} in one SQLite file (WAL mode) on {@code android.database.sqlite}: the
 * implementation behind {@code AndroidSqliteStore}, with the semantics of the sdk's {@code
 * SqliteStore}. Every call is one transaction, serialized by this object's lock.
 *
 * <p>Values are kept as the compact JSON text {@link Change} holds, one row per message, so a live
 * batch appends rows and never rewrites the window. A live window's end offset is stored in the
 * same transaction as its rows. Committed windows are kept within a byte budget, least recently
 * used evicted first; the live window is never evicted.
 */
public final class PlatformSqliteDatabase implements LocalStore, Closeable {
  private static final Logger log = Logger.getLogger(PlatformSqliteDatabase.class.getName());

  private static final String LIVE = "live";
  private static final int KEYFRAME = 0;
  private static final int CHANGES = 1;
  private static final String SELECT_WINDOW =
      "SELECT start_offset, start_ts, end_offset, end_ts, base_offset, end_at, changes"
          + " FROM windows WHERE stream = ? AND slot = ?";

  private final StoreFile store;
  private final long maxWindowBytes;
  private final SQLiteStatement insertWindow;
  private final SQLiteStatement insertMessage;
  private final SQLiteStatement touchWindow;
  private final SQLiteStatement moveLiveEnd;
  private final SQLiteStatement deleteSlotMessages;
  private final SQLiteStatement deleteSlot;
  private long useClock;
  private long committedBytes;
  private boolean closed;

  private PlatformSqliteDatabase(StoreFile store, long maxWindowBytes) {
    this.store = store;
    this.maxWindowBytes = maxWindowBytes;
    var db = store.db;
    insertWindow =
        db.compileStatement("INSERT INTO windows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insertMessage =
        db.compileStatement("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    touchWindow =
        db.compileStatement("UPDATE windows SET last_used = ? WHERE stream = ? AND slot = ?");
    moveLiveEnd =
        db.compileStatement(
            "UPDATE windows SET end_at = ?, changes = changes + ?, bytes = bytes + ? WHERE stream = ? AND slot = ?");
    deleteSlotMessages = db.compileStatement("DELETE FROM messages WHERE stream = ? AND slot = ?");
    deleteSlot = db.compileStatement("DELETE FROM windows WHERE stream = ? AND slot = ?");
    useClock =
        DatabaseUtils.longForQuery(db, "SELECT COALESCE(MAX(last_used), 0) FROM windows", null);
    committedBytes = readCommittedBytes();
  }

  /**
   * Opens (or creates) the store in {@code file}. A file that is not a database, fails SQLite's
   * check, or has another schema version is logged, moved aside ({@code <file>.corrupt-<millis>})
   * and replaced by an empty store: the client rebuilds from the server.
   *
   * @throws LocalStoreException if the file cannot be written or is in use.
   */
  public static PlatformSqliteDatabase open(File file, long maxWindowBytes) {
    StoreFile store = StoreFile.open(file);
    try {
      return new PlatformSqliteDatabase(store, maxWindowBytes);
    } catch (SQLiteException e) {
      store.close();
      throw StoreFile.failure(file, "cannot open the store", e);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** Work in a transaction; null for work that answers nothing, or a read that found nothing. */
  private interface Work<T> {
    @Nullable T run();
  }

  private <T> T transactionWithAnswer(String what, Work<T> work) {
    return Objects.requireNonNull(transaction(what, work), what);
  }

  /** Runs {@code work} as one transaction: all of it is stored, or none. Returns its answer. */
  private synchronized <T> @Nullable T transaction(String what, Work<T> work) {
    if (closed) throw new IllegalStateException("store closed: " + store.file);
    try {
      store.db.beginTransaction();
      T result;
      try {
        result = work.run();
        store.db.setTransactionSuccessful();
      } catch (RuntimeException e) {
        try {
          // SQLite may have rolled back already (it does on SQLITE_FULL): keep the first failure.
          store.db.endTransaction();
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      store.db.endTransaction();
      return result;
    } catch (SQLiteException e) {
      throw StoreFile.failure(store.file, what, e);
    }
  }

  @Override
  public List<Keyframe> keyframes(String streamUrl) {
    return transactionWithAnswer(
        "read the keyframe index",
        () -> {
          List<Keyframe> result = new ArrayList<>();
          try (Cursor c =
              store.db.rawQuery(
                  "SELECT start_offset, ts FROM keyframe_index WHERE stream = ? ORDER BY position",
                  new String[] {streamUrl})) {
            while (c.moveToNext())
              result.add(Keyframe.of(Offset.of(c.getString(0)), Instant.parse(c.getString(1))));
          }
          return result;
        });
  }

  @Override
  public Offset keyframesNext(String streamUrl) {
    return transactionWithAnswer(
        "read the keyframe index",
        () -> {
          try (Cursor c =
              store.db.rawQuery(
                  "SELECT next_offset FROM index_next WHERE stream = ?",
                  new String[] {streamUrl})) {
            return c.moveToFirst() ? Offset.of(c.getString(0)) : Offset.START;
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
            store.db.execSQL(
                "DELETE FROM keyframe_index WHERE stream = ?", new Object[] {streamUrl});
            from = 0;
          }
          SQLiteStatement insert =
              store.db.compileStatement("INSERT INTO keyframe_index VALUES (?, ?, ?, ?)");
          try {
            for (int i = from; i < keyframes.size(); i++) {
              Keyframe k = keyframes.get(i);
              insert.bindString(1, streamUrl);
              insert.bindLong(2, i);
              insert.bindString(3, k.offset().value());
              insert.bindString(4, k.timestamp().toString());
              insert.executeInsert();
            }
          } finally {
            insert.close();
          }
          store.db.execSQL(
              "INSERT OR REPLACE INTO index_next VALUES (?, ?)",
              new Object[] {streamUrl, next.value()});
          return null;
        });
  }

  /** How many of {@code keyframes} are stored already as a prefix; -1 if the store differs. */
  private int storedPrefix(String streamUrl, List<Keyframe> keyframes) {
    try (Cursor c =
        store.db.rawQuery(
            "SELECT position, start_offset, ts FROM keyframe_index WHERE stream = ? ORDER BY position DESC LIMIT 1",
            new String[] {streamUrl})) {
      if (!c.moveToFirst()) return 0;
      int last = c.getInt(0);
      if (last >= keyframes.size()) return -1;
      Keyframe k = keyframes.get(last);
      boolean same =
          k.offset().value().equals(c.getString(1))
              && k.timestamp().toString().equals(c.getString(2));
      return same ? last + 1 : -1;
    }
  }

  @Override
  public @Nullable StoredWindow window(String streamUrl, String windowId) {
    return transaction(
        "read a window",
        () -> {
          String slot = "w:" + windowId;
          StoredWindow window = read(streamUrl, slot);
          if (window != null) {
            touchWindow.bindLong(1, ++useClock);
            touchWindow.bindString(2, streamUrl);
            touchWindow.bindString(3, slot);
            touchWindow.executeUpdateDelete();
          }
          return window;
        });
  }

  @Override
  public void putWindow(String streamUrl, StoredWindow window) {
    transaction(
        "save a window",
        () -> {
          String slot = "w:" + window.id();
          if (exists(streamUrl, slot)) return null; // committed windows never change
          long bytes = write(streamUrl, slot, window);
          committedBytes += bytes;
          evict(streamUrl, slot);
          return null;
        });
  }

  @Override
  public @Nullable StoredWindow liveWindow(String streamUrl) {
    return transaction("read the live window", () -> read(streamUrl, LIVE));
  }

  @Override
  public void putLiveWindow(String streamUrl, StoredWindow window) {
    transaction(
        "save the live window",
        () -> {
          deleteSlot(streamUrl, LIVE);
          write(streamUrl, LIVE, window);
          return null;
        });
  }

  @Override
  public boolean appendLive(
      String streamUrl, String windowId, Offset from, List<Change> changes, Offset to) {
    return transactionWithAnswer(
        "append to the live window",
        () -> {
          int count;
          try (Cursor c = store.db.rawQuery(SELECT_WINDOW, new String[] {streamUrl, LIVE})) {
            if (!c.moveToFirst()) return false;
            String startOffset = c.getString(0);
            String id = startOffset == null ? Offset.START.value() : startOffset;
            if (!id.equals(windowId) || !from.value().equals(c.getString(5))) return false;
            count = c.getInt(6);
          }
          long bytes = 0;
          for (int i = 0; i < changes.size(); i++)
            bytes += insert(streamUrl, LIVE, CHANGES, count + i, changes.get(i));
          moveLiveEnd.bindString(1, to.value());
          moveLiveEnd.bindLong(2, changes.size());
          moveLiveEnd.bindLong(3, bytes);
          moveLiveEnd.bindString(4, streamUrl);
          moveLiveEnd.bindString(5, LIVE);
          moveLiveEnd.executeUpdateDelete();
          return true;
        });
  }

  @Override
  public @Nullable StoredProducer producer(String streamUrl) {
    return transaction(
        "read the producer",
        () -> {
          try (Cursor c =
              store.db.rawQuery(
                  "SELECT producer_id, epoch FROM producers WHERE stream = ?",
                  new String[] {streamUrl})) {
            return c.moveToFirst() ? StoredProducer.of(c.getString(0), c.getLong(1)) : null;
          }
        });
  }

  @Override
  public void putProducer(String streamUrl, StoredProducer producer) {
    transaction(
        "save the producer",
        () -> {
          store.db.execSQL(
              "INSERT OR REPLACE INTO producers VALUES (?, ?, ?)",
              new Object[] {streamUrl, producer.id(), producer.epoch()});
          return null;
        });
  }

  @Override
  public void clear(String streamUrl) {
    transaction(
        "clear a stream",
        () -> {
          for (String table :
              new String[] {"keyframe_index", "index_next", "windows", "messages", "producers"}) {
            store.db.execSQL(
                "DELETE FROM " + table + " WHERE stream = ?", new Object[] {streamUrl});
          }
          committedBytes = readCommittedBytes();
          return null;
        });
  }

  /** The bytes committed windows take in the store (the budget counts these). */
  public synchronized long committedBytes() {
    return committedBytes;
  }

  /** Caps the file at about {@code bytes}: lets tests fill the "disk" for real. */
  public long maxSizeForTest(long bytes) {
    // PRAGMA max_page_count holds per connection: set it in a transaction, on the connection that
    // writes.
    return transactionWithAnswer(
        "cap the file",
        () -> {
          long pages = Math.max(1, bytes / store.db.getPageSize());
          return DatabaseUtils.longForQuery(store.db, "PRAGMA max_page_count = " + pages, null)
              * store.db.getPageSize();
        });
  }

  /**
   * The file's size in bytes as SQLite counts it: with {@link #maxSizeForTest}, fills it exactly.
   */
  public long sizeForTest() {
    return transactionWithAnswer(
        "measure the file",
        () ->
            DatabaseUtils.longForQuery(store.db, "PRAGMA page_count", null)
                * store.db.getPageSize());
  }

  private long readCommittedBytes() {
    return DatabaseUtils.longForQuery(
        store.db, "SELECT COALESCE(SUM(bytes), 0) FROM windows WHERE slot <> 'live'", null);
  }

  /** Drops least recently used committed windows (never {@code keep}) until within budget. */
  private void evict(String keepStream, String keepSlot) {
    if (committedBytes <= maxWindowBytes) return;
    List<String[]> victims = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    long over = committedBytes - maxWindowBytes;
    try (Cursor c =
        store.db.rawQuery(
            "SELECT stream, slot, bytes FROM windows WHERE slot <> 'live' ORDER BY last_used",
            null)) {
      while (over > 0 && c.moveToNext()) {
        String stream = c.getString(0);
        String slot = c.getString(1);
        if (stream.equals(keepStream) && slot.equals(keepSlot)) continue;
        victims.add(new String[] {stream, slot});
        sizes.add(c.getLong(2));
        over -= c.getLong(2);
      }
    }
    for (int i = 0; i < victims.size(); i++) {
      deleteSlot(victims.get(i)[0], victims.get(i)[1]);
      committedBytes -= sizes.get(i);
      log.fine(
          "local store over budget: evicted " + victims.get(i)[1] + " of " + victims.get(i)[0]);
    }
  }

  private boolean exists(String stream, String slot) {
    return DatabaseUtils.longForQuery(
            store.db,
            "SELECT COUNT(*) FROM windows WHERE stream = ? AND slot = ?",
            new String[] {stream, slot})
        > 0;
  }

  private void deleteSlot(String stream, String slot) {
    deleteSlotMessages.bindString(1, stream);
    deleteSlotMessages.bindString(2, slot);
    deleteSlotMessages.executeUpdateDelete();
    deleteSlot.bindString(1, stream);
    deleteSlot.bindString(2, slot);
    deleteSlot.executeUpdateDelete();
  }

  /** Writes a window's row and messages; returns the bytes it takes. */
  private long write(String stream, String slot, StoredWindow window) {
    long bytes = 0;
    List<Change> keyframe = window.keyframe();
    List<Change> changes = window.changes();
    for (int i = 0; i < keyframe.size(); i++)
      bytes += insert(stream, slot, KEYFRAME, i, keyframe.get(i));
    for (int i = 0; i < changes.size(); i++)
      bytes += insert(stream, slot, CHANGES, i, changes.get(i));
    Keyframe start = window.start();
    Keyframe end = window.end();
    Offset last = changes.isEmpty() ? null : changes.get(changes.size() - 1).offset();
    insertWindow.bindString(1, stream);
    insertWindow.bindString(2, slot);
    bind(insertWindow, 3, start == null ? null : start.offset().value());
    bind(insertWindow, 4, start == null ? null : start.timestamp().toString());
    bind(insertWindow, 5, end == null ? null : end.offset().value());
    bind(insertWindow, 6, end == null ? null : end.timestamp().toString());
    insertWindow.bindString(7, window.baseOffset().value());
    insertWindow.bindString(8, (last != null ? last : window.baseOffset()).value());
    insertWindow.bindLong(9, changes.size());
    insertWindow.bindLong(10, bytes);
    insertWindow.bindLong(11, ++useClock);
    insertWindow.executeInsert();
    return bytes;
  }

  private long insert(String stream, String slot, int part, int seq, Change change) {
    Instant ts = change.timestamp();
    Offset at = change.offset();
    insertMessage.bindString(1, stream);
    insertMessage.bindString(2, slot);
    insertMessage.bindLong(3, part);
    insertMessage.bindLong(4, seq);
    insertMessage.bindString(5, change.type());
    insertMessage.bindString(6, change.key());
    insertMessage.bindString(7, change.operation().wireName());
    bind(insertMessage, 8, change.value());
    bind(insertMessage, 9, change.oldValue());
    bind(insertMessage, 10, ts == null ? null : ts.toString());
    bind(insertMessage, 11, change.txid());
    bind(insertMessage, 12, at == null ? null : at.value());
    insertMessage.executeInsert();
    // Roughly what the row costs on disk: its text plus SQLite's per-row overhead (as SqliteStore).
    return 48L
        + change.type().length()
        + change.key().length()
        + length(change.value())
        + length(change.oldValue());
  }

  private static void bind(SQLiteStatement statement, int index, @Nullable String value) {
    if (value == null) statement.bindNull(index);
    else statement.bindString(index, value);
  }

  private static int length(@Nullable String s) {
    return s == null ? 0 : s.length();
  }

  private @Nullable StoredWindow read(String stream, String slot) {
    Keyframe start;
    Keyframe end;
    Offset base;
    int count;
    try (Cursor c = store.db.rawQuery(SELECT_WINDOW, new String[] {stream, slot})) {
      if (!c.moveToFirst()) return null;
      start = keyframe(c.getString(0), c.getString(1));
      end = keyframe(c.getString(2), c.getString(3));
      base = Offset.of(c.getString(4));
      count = c.getInt(6);
    }
    List<Change> keyframe = new ArrayList<>();
    List<Change> changes = new ArrayList<>(count);
    try (Cursor c =
        store.db.rawQuery(
            "SELECT part, type, key, op, value, old_value, ts, txid, at FROM messages"
                + " WHERE stream = ? AND slot = ? ORDER BY part, seq",
            new String[] {stream, slot})) {
      while (c.moveToNext()) {
        Change.Operation op = Change.Operation.fromWireName(c.getString(3));
        if (op == null)
          throw new SQLiteDatabaseCorruptException("unknown operation " + c.getString(3));
        String ts = c.getString(6);
        String at = c.getString(8);
        Change change =
            Change.builder()
                .type(c.getString(1))
                .key(c.getString(2))
                .operation(op)
                .value(c.getString(4))
                .oldValue(c.getString(5))
                .timestamp(ts == null ? null : Instant.parse(ts))
                .txid(c.getString(7))
                .offset(at == null ? null : Offset.of(at))
                .build();
        (c.getInt(0) == KEYFRAME ? keyframe : changes).add(change);
      }
    }
    if (changes.size() != count) {
      // Never serve a window that lost rows: the caller reads it again from the server.
      throw new SQLiteDatabaseCorruptException(
          slot + " of " + stream + " has " + changes.size() + " changes, expected " + count);
    }
    return StoredWindow.of(start, end, base, keyframe, Collections.unmodifiableList(changes));
  }

  private static @Nullable Keyframe keyframe(@Nullable String offset, @Nullable String ts) {
    return offset == null || ts == null ? null : Keyframe.of(Offset.of(offset), Instant.parse(ts));
  }

  /** Closes the database and releases the file lock. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    for (SQLiteStatement s :
        new SQLiteStatement[] {
          insertWindow, insertMessage, touchWindow, moveLiveEnd, deleteSlotMessages, deleteSlot
        }) {
      s.close();
    }
    store.close();
  }
}
