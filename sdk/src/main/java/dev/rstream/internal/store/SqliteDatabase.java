package dev.rstream.internal.store;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.LocalStore;
import dev.rstream.LocalStore.OutboxEntry;
import dev.rstream.LocalStoreException;
import dev.rstream.LocalStoreException.Reason;
import dev.rstream.Offset;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * A {@link LocalStore} in one SQLite file (WAL mode): the implementation behind {@code
 * SqliteStore}. Every call is one transaction on one connection, serialized by this object's lock
 * (a SQLite connection is not for concurrent use, and one writer at a time is what SQLite allows
 * anyway).
 *
 * <p>Values are kept as the compact JSON text {@link Change} holds, one row per message, so a live
 * batch appends rows and never rewrites the window. A live window's end offset is stored in the
 * same transaction as its rows.
 *
 * <p>The file is locked ({@code <file>.lock}) for the life of this object: a second store on the
 * same file, in this process or another, is refused with {@link Reason#IN_USE} rather than
 * interleaving two writers' live windows.
 */
public final class SqliteDatabase implements LocalStore, Closeable {
  private static final Logger log = Logger.getLogger(SqliteDatabase.class.getName());

  /** Bumped when the schema changes; a file with another version is moved aside and rebuilt. */
  static final int SCHEMA_VERSION = 2;

  private static final String LIVE = "live";
  private static final int KEYFRAME = 0;
  private static final int CHANGES = 1;
  // SQLite primary result codes (the driver reports extended codes; the low byte is the primary).
  private static final int SQLITE_READONLY = 8;
  private static final int SQLITE_CORRUPT = 11;
  private static final int SQLITE_FULL = 13;
  private static final int SQLITE_CANTOPEN = 14;
  private static final int SQLITE_NOTADB = 26;

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

  private final File file;
  private final long maxWindowBytes;
  private final RandomAccessFile lockFile;
  private final FileLock lock;
  private final Connection connection;
  private final PreparedStatement selectWindow;
  private final PreparedStatement selectMessages;
  private final PreparedStatement insertWindow;
  private final PreparedStatement insertMessage;
  private final PreparedStatement touchWindow;
  private final PreparedStatement moveLiveEnd;
  private final PreparedStatement deleteSlotMessages;
  private final PreparedStatement deleteSlot;
  private final OutboxTable outbox;
  private long useClock;
  private long committedBytes;
  private boolean closed;

  private SqliteDatabase(
      File file, long maxWindowBytes, RandomAccessFile lockFile, FileLock lock, Connection c)
      throws SQLException {
    this.file = file;
    this.maxWindowBytes = maxWindowBytes;
    this.lockFile = lockFile;
    this.lock = lock;
    this.connection = c;
    this.outbox = new OutboxTable(c);
    selectWindow =
        c.prepareStatement(
            "SELECT start_offset, start_ts, end_offset, end_ts, base_offset, end_at, changes"
                + " FROM windows WHERE stream = ? AND slot = ?");
    selectMessages =
        c.prepareStatement(
            "SELECT part, type, key, op, value, old_value, ts, txid, at FROM messages"
                + " WHERE stream = ? AND slot = ? ORDER BY part, seq");
    insertWindow =
        c.prepareStatement("INSERT INTO windows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insertMessage =
        c.prepareStatement("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    touchWindow =
        c.prepareStatement("UPDATE windows SET last_used = ? WHERE stream = ? AND slot = ?");
    moveLiveEnd =
        c.prepareStatement(
            "UPDATE windows SET end_at = ?, changes = changes + ?, bytes = bytes + ? WHERE stream = ? AND slot = ?");
    deleteSlotMessages = c.prepareStatement("DELETE FROM messages WHERE stream = ? AND slot = ?");
    deleteSlot = c.prepareStatement("DELETE FROM windows WHERE stream = ? AND slot = ?");
    try (Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT COALESCE(MAX(last_used), 0), COALESCE(SUM(CASE WHEN slot <> 'live' THEN bytes END), 0)"
                    + " FROM windows")) {
      r.next();
      useClock = r.getLong(1);
      committedBytes = r.getLong(2);
    }
    c.commit();
  }

  /**
   * Opens (or creates) the store in {@code file}. A file that is not a database, fails SQLite's
   * check, or has another schema version is logged, moved aside ({@code <file>.corrupt-<millis>})
   * and replaced by an empty store: the client rebuilds from the server.
   *
   * @throws LocalStoreException if the file cannot be written, is in use, or the driver is missing.
   */
  public static SqliteDatabase open(File file, long maxWindowBytes) {
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
      lock = tryLock(lockFile.getChannel(), file);
      Connection connection = openVerified(file);
      return new SqliteDatabase(file, maxWindowBytes, lockFile, lock, connection);
    } catch (SQLException e) {
      throw closeAfter(lockFile, lock, failure(file, "cannot open the store", e));
    } catch (RuntimeException e) {
      throw closeAfter(lockFile, lock, e);
    }
  }

  private static FileLock tryLock(FileChannel channel, File file) {
    try {
      FileLock lock = channel.tryLock();
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
  private static Connection openVerified(File file) throws SQLException {
    Connection connection = connect(file);
    String problem;
    try {
      problem = check(connection);
    } catch (SQLException e) {
      int code = e.getErrorCode() & 0xff;
      if (code != SQLITE_NOTADB && code != SQLITE_CORRUPT) {
        closeQuietly(connection);
        throw e;
      }
      problem = "not a readable SQLite database: " + e.getMessage();
    }
    if (problem == null) return connection;
    closeQuietly(connection);
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
      if (companion.exists()) companion.renameTo(new File(aside.getPath() + suffix));
    }
    connection = connect(file);
    String again = check(connection);
    if (again != null) {
      closeQuietly(connection);
      throw new LocalStoreException(Reason.IO, file, "a new store fails its check: " + again, null);
    }
    return connection;
  }

  private static Connection connect(File file) throws SQLException {
    Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file.getPath());
    try (Statement s = connection.createStatement()) {
      // Wait for a checkpoint rather than fail; the file lock keeps other writers out anyway.
      s.execute("PRAGMA busy_timeout = 5000");
    }
    return connection;
  }

  /** Null if the store is usable (creating the schema in an empty file), else what is wrong. */
  private static @Nullable String check(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement()) {
      try (ResultSet r = s.executeQuery("PRAGMA journal_mode = WAL")) {
        r.next();
      }
      // NORMAL in WAL mode: a killed process loses nothing committed; only power loss may drop the
      // last transactions, never corrupt the file.
      s.execute("PRAGMA synchronous = NORMAL");
      try (ResultSet r = s.executeQuery("PRAGMA quick_check")) {
        String result = r.next() ? r.getString(1) : "no result";
        if (!"ok".equals(result)) return "fails SQLite's check: " + result;
      }
      int version;
      try (ResultSet r = s.executeQuery("PRAGMA user_version")) {
        r.next();
        version = r.getInt(1);
      }
      if (version == SCHEMA_VERSION) {
        connection.setAutoCommit(false);
        return null;
      }
      if (version != 0)
        return "has schema version " + version + ", this client needs " + SCHEMA_VERSION;
      try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM sqlite_master")) {
        r.next();
        if (r.getInt(1) != 0) return "has tables but no schema version";
      }
      connection.setAutoCommit(false);
      for (String sql : SCHEMA) s.execute(sql);
      for (String sql : OutboxTable.SCHEMA) s.execute(sql);
      s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
      connection.commit();
      return null;
    }
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // Closing a connection we are abandoning; the file is dealt with next.
    }
  }

  private static LocalStoreException failure(File file, String what, SQLException e) {
    int code = e.getErrorCode() & 0xff;
    Reason reason =
        code == SQLITE_FULL
            ? Reason.DISK_FULL
            : code == SQLITE_READONLY || code == SQLITE_CANTOPEN ? Reason.NOT_WRITABLE : Reason.IO;
    return new LocalStoreException(reason, file, what + ": " + e.getMessage(), e);
  }

  /** Work in a transaction; null for work that answers nothing, or a read that found nothing. */
  private interface Work<T> {
    @Nullable T run() throws SQLException;
  }

  /** {@link #transaction} for work that always answers. */
  private <T> T transactionWithAnswer(String what, Work<T> work) {
    return java.util.Objects.requireNonNull(transaction(what, work), what);
  }

  /** Runs {@code work} as one transaction: all of it is stored, or none. Returns its answer. */
  private synchronized <T> @Nullable T transaction(String what, Work<T> work) {
    if (closed) throw new IllegalStateException("store closed: " + file);
    try {
      T result = work.run();
      connection.commit();
      return result;
    } catch (SQLException e) {
      try {
        connection.rollback();
      } catch (SQLException suppressed) {
        // SQLite already rolled back (it does on SQLITE_FULL); the driver then never reopened its
        // transaction, and every later commit would fail: open it again ourselves.
        e.addSuppressed(suppressed);
        try (Statement s = connection.createStatement()) {
          s.execute("BEGIN");
        } catch (SQLException again) {
          e.addSuppressed(again);
        }
      }
      throw failure(file, what, e);
    }
  }

  @Override
  public List<Keyframe> keyframes(String streamUrl) {
    return transactionWithAnswer(
        "read the keyframe index",
        () -> {
          List<Keyframe> result = new ArrayList<>();
          try (PreparedStatement s =
              connection.prepareStatement(
                  "SELECT start_offset, ts FROM keyframe_index WHERE stream = ? ORDER BY position")) {
            s.setString(1, streamUrl);
            try (ResultSet r = s.executeQuery()) {
              while (r.next())
                result.add(Keyframe.of(Offset.of(r.getString(1)), Instant.parse(r.getString(2))));
            }
          }
          return result;
        });
  }

  @Override
  public Offset keyframesNext(String streamUrl) {
    return transactionWithAnswer(
        "read the keyframe index",
        () -> {
          try (PreparedStatement s =
              connection.prepareStatement("SELECT next_offset FROM index_next WHERE stream = ?")) {
            s.setString(1, streamUrl);
            try (ResultSet r = s.executeQuery()) {
              return r.next() ? Offset.of(r.getString(1)) : Offset.START;
            }
          }
        });
  }

  @Override
  public void putKeyframes(String streamUrl, List<Keyframe> keyframes, Offset next) {
    transaction(
        "save the keyframe index",
        () -> {
          try (PreparedStatement delete =
                  connection.prepareStatement("DELETE FROM keyframe_index WHERE stream = ?");
              PreparedStatement insert =
                  connection.prepareStatement("INSERT INTO keyframe_index VALUES (?, ?, ?, ?)");
              PreparedStatement putNext =
                  connection.prepareStatement("INSERT OR REPLACE INTO index_next VALUES (?, ?)")) {
            // The index grows by one entry per keyframe: append the new tail, rewrite only if the
            // stored entries are not a prefix (a rebuilt stream), or saving would be quadratic.
            int from = storedPrefix(streamUrl, keyframes);
            if (from < 0) {
              delete.setString(1, streamUrl);
              delete.executeUpdate();
              from = 0;
            }
            for (int i = from; i < keyframes.size(); i++) {
              Keyframe k = keyframes.get(i);
              insert.setString(1, streamUrl);
              insert.setInt(2, i);
              insert.setString(3, k.offset().value());
              insert.setString(4, k.timestamp().toString());
              insert.addBatch();
            }
            insert.executeBatch();
            putNext.setString(1, streamUrl);
            putNext.setString(2, next.value());
            putNext.executeUpdate();
          }
          return null;
        });
  }

  /** How many of {@code keyframes} are stored already as a prefix; -1 if the store differs. */
  private int storedPrefix(String streamUrl, List<Keyframe> keyframes) throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT position, start_offset, ts FROM keyframe_index WHERE stream = ? ORDER BY position DESC LIMIT 1")) {
      s.setString(1, streamUrl);
      try (ResultSet r = s.executeQuery()) {
        if (!r.next()) return 0;
        int last = r.getInt(1);
        if (last >= keyframes.size()) return -1;
        Keyframe k = keyframes.get(last);
        boolean same =
            k.offset().value().equals(r.getString(2))
                && k.timestamp().toString().equals(r.getString(3));
        return same ? last + 1 : -1;
      }
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
            touchWindow.setLong(1, ++useClock);
            touchWindow.setString(2, streamUrl);
            touchWindow.setString(3, slot);
            touchWindow.executeUpdate();
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
          selectWindow.setString(1, streamUrl);
          selectWindow.setString(2, LIVE);
          int count;
          try (ResultSet r = selectWindow.executeQuery()) {
            if (!r.next()) return false;
            String startOffset = r.getString(1);
            String id = startOffset == null ? Offset.START.value() : startOffset;
            if (!id.equals(windowId) || !from.value().equals(r.getString(6))) return false;
            count = r.getInt(7);
          }
          long bytes = 0;
          for (int i = 0; i < changes.size(); i++)
            bytes += insert(streamUrl, LIVE, CHANGES, count + i, changes.get(i));
          insertMessage.executeBatch();
          moveLiveEnd.setString(1, to.value());
          moveLiveEnd.setInt(2, changes.size());
          moveLiveEnd.setLong(3, bytes);
          moveLiveEnd.setString(4, streamUrl);
          moveLiveEnd.setString(5, LIVE);
          moveLiveEnd.executeUpdate();
          return true;
        });
  }

  @Override
  public @Nullable StoredProducer producer(String streamUrl) {
    return transaction(
        "read the producer",
        () -> {
          try (PreparedStatement s =
              connection.prepareStatement(
                  "SELECT producer_id, epoch FROM producers WHERE stream = ?")) {
            s.setString(1, streamUrl);
            try (ResultSet r = s.executeQuery()) {
              return r.next() ? StoredProducer.of(r.getString(1), r.getLong(2)) : null;
            }
          }
        });
  }

  @Override
  public void putProducer(String streamUrl, StoredProducer producer) {
    transaction(
        "save the producer",
        () -> {
          try (PreparedStatement s =
              connection.prepareStatement("INSERT OR REPLACE INTO producers VALUES (?, ?, ?)")) {
            s.setString(1, streamUrl);
            s.setString(2, producer.id());
            s.setLong(3, producer.epoch());
            s.executeUpdate();
          }
          return null;
        });
  }

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

  @Override
  public void clear(String streamUrl) {
    transaction(
        "clear a stream",
        () -> {
          for (String table :
              new String[] {"keyframe_index", "index_next", "windows", "messages", "producers"}) {
            try (PreparedStatement s =
                connection.prepareStatement("DELETE FROM " + table + " WHERE stream = ?")) {
              s.setString(1, streamUrl);
              s.executeUpdate();
            }
          }
          try (Statement s = connection.createStatement();
              ResultSet r =
                  s.executeQuery(
                      "SELECT COALESCE(SUM(bytes), 0) FROM windows WHERE slot <> 'live'")) {
            r.next();
            committedBytes = r.getLong(1);
          }
          return null;
        });
  }

  /** The bytes committed windows take in the store (the budget counts these). */
  public synchronized long committedBytes() {
    return committedBytes;
  }

  /** Caps the file at {@code pages} pages: lets tests fill the "disk" for real. */
  synchronized void maxPageCount(long pages) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute("PRAGMA max_page_count = " + pages);
    }
    connection.commit();
  }

  /** The file's size in pages: with {@link #maxPageCount}, lets tests fill it exactly. */
  synchronized long pageCountForTest() throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet r = s.executeQuery("PRAGMA page_count")) {
      r.next();
      return r.getLong(1);
    } finally {
      connection.commit();
    }
  }

  /** Drops least recently used committed windows (never {@code keep}) until within budget. */
  private void evict(String keepStream, String keepSlot) throws SQLException {
    if (committedBytes <= maxWindowBytes) return;
    List<String[]> victims = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    long over = committedBytes - maxWindowBytes;
    try (Statement s = connection.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT stream, slot, bytes FROM windows WHERE slot <> 'live' ORDER BY last_used")) {
      while (over > 0 && r.next()) {
        String stream = r.getString(1);
        String slot = r.getString(2);
        if (stream.equals(keepStream) && slot.equals(keepSlot)) continue;
        victims.add(new String[] {stream, slot});
        sizes.add(r.getLong(3));
        over -= r.getLong(3);
      }
    }
    for (int i = 0; i < victims.size(); i++) {
      deleteSlot(victims.get(i)[0], victims.get(i)[1]);
      committedBytes -= sizes.get(i);
      log.fine(
          "local store over budget: evicted " + victims.get(i)[1] + " of " + victims.get(i)[0]);
    }
  }

  private boolean exists(String stream, String slot) throws SQLException {
    selectWindow.setString(1, stream);
    selectWindow.setString(2, slot);
    try (ResultSet r = selectWindow.executeQuery()) {
      return r.next();
    }
  }

  private void deleteSlot(String stream, String slot) throws SQLException {
    deleteSlotMessages.setString(1, stream);
    deleteSlotMessages.setString(2, slot);
    deleteSlotMessages.executeUpdate();
    deleteSlot.setString(1, stream);
    deleteSlot.setString(2, slot);
    deleteSlot.executeUpdate();
  }

  /** Writes a window's row and messages; returns the bytes it takes. */
  private long write(String stream, String slot, StoredWindow window) throws SQLException {
    long bytes = 0;
    List<Change> keyframe = window.keyframe();
    List<Change> changes = window.changes();
    for (int i = 0; i < keyframe.size(); i++)
      bytes += insert(stream, slot, KEYFRAME, i, keyframe.get(i));
    for (int i = 0; i < changes.size(); i++)
      bytes += insert(stream, slot, CHANGES, i, changes.get(i));
    insertMessage.executeBatch();
    Keyframe start = window.start();
    Keyframe end = window.end();
    Offset last = changes.isEmpty() ? null : changes.get(changes.size() - 1).offset();
    insertWindow.setString(1, stream);
    insertWindow.setString(2, slot);
    insertWindow.setString(3, start == null ? null : start.offset().value());
    insertWindow.setString(4, start == null ? null : start.timestamp().toString());
    insertWindow.setString(5, end == null ? null : end.offset().value());
    insertWindow.setString(6, end == null ? null : end.timestamp().toString());
    insertWindow.setString(7, window.baseOffset().value());
    insertWindow.setString(8, (last != null ? last : window.baseOffset()).value());
    insertWindow.setInt(9, changes.size());
    insertWindow.setLong(10, bytes);
    insertWindow.setLong(11, ++useClock);
    insertWindow.executeUpdate();
    return bytes;
  }

  private long insert(String stream, String slot, int part, int seq, Change change)
      throws SQLException {
    Instant ts = change.timestamp();
    Offset at = change.offset();
    insertMessage.setString(1, stream);
    insertMessage.setString(2, slot);
    insertMessage.setInt(3, part);
    insertMessage.setInt(4, seq);
    insertMessage.setString(5, change.type());
    insertMessage.setString(6, change.key());
    insertMessage.setString(7, change.operation().wireName());
    insertMessage.setString(8, change.value());
    insertMessage.setString(9, change.oldValue());
    insertMessage.setString(10, ts == null ? null : ts.toString());
    insertMessage.setString(11, change.txid());
    insertMessage.setString(12, at == null ? null : at.value());
    insertMessage.addBatch();
    // Roughly what the row costs on disk: its text plus SQLite's per-row overhead.
    return 48L
        + change.type().length()
        + change.key().length()
        + length(change.value())
        + length(change.oldValue());
  }

  private static int length(@Nullable String s) {
    return s == null ? 0 : s.length();
  }

  private @Nullable StoredWindow read(String stream, String slot) throws SQLException {
    selectWindow.setString(1, stream);
    selectWindow.setString(2, slot);
    Keyframe start;
    Keyframe end;
    Offset base;
    int count;
    try (ResultSet r = selectWindow.executeQuery()) {
      if (!r.next()) return null;
      start = keyframe(r.getString(1), r.getString(2));
      end = keyframe(r.getString(3), r.getString(4));
      base = Offset.of(r.getString(5));
      count = r.getInt(7);
    }
    List<Change> keyframe = new ArrayList<>();
    List<Change> changes = new ArrayList<>(count);
    selectMessages.setString(1, stream);
    selectMessages.setString(2, slot);
    try (ResultSet r = selectMessages.executeQuery()) {
      while (r.next()) {
        Change.Operation op = Change.Operation.fromWireName(r.getString(4));
        if (op == null)
          throw new SQLException("unknown operation " + r.getString(4), "", SQLITE_CORRUPT);
        String ts = r.getString(7);
        String at = r.getString(9);
        Change change =
            Change.builder()
                .type(r.getString(2))
                .key(r.getString(3))
                .operation(op)
                .value(r.getString(5))
                .oldValue(r.getString(6))
                .timestamp(ts == null ? null : Instant.parse(ts))
                .txid(r.getString(8))
                .offset(at == null ? null : Offset.of(at))
                .build();
        (r.getInt(1) == KEYFRAME ? keyframe : changes).add(change);
      }
    }
    if (changes.size() != count) {
      // Never serve a window that lost rows: the caller reads it again from the server.
      throw new SQLException(
          slot + " of " + stream + " has " + changes.size() + " changes, expected " + count,
          "",
          SQLITE_CORRUPT);
    }
    return StoredWindow.of(start, end, base, keyframe, Collections.unmodifiableList(changes));
  }

  private static @Nullable Keyframe keyframe(@Nullable String offset, @Nullable String ts) {
    return offset == null || ts == null ? null : Keyframe.of(Offset.of(offset), Instant.parse(ts));
  }

  /** Closes the connection and releases the file lock. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    try {
      connection.close();
    } catch (SQLException e) {
      log.log(Level.WARNING, "closing local store " + file, e);
    }
    try {
      lock.release();
      lockFile.close();
    } catch (IOException e) {
      log.log(Level.WARNING, "unlocking local store " + file, e);
    }
  }
}
