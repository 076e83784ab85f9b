package dev.rstream.internal.store;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.LocalStore.StoredWindow;
import dev.rstream.Offset;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The windows of {@link SqlLocalStore}: one row per window and one per message, so that a live
 * batch appends rows and never rewrites its window, and its end offset moves in the same
 * transaction. Committed windows are kept within a byte budget, least recently used evicted first;
 * the live window is never evicted. Each method runs inside the caller's transaction; the caller
 * serializes them.
 */
final class WindowTable {
  private static final Logger log = Logger.getLogger(WindowTable.class.getName());

  static final String LIVE = "live";
  private static final int KEYFRAME = 0;
  private static final int CHANGES = 1;
  private static final String SELECT_WINDOW =
      "SELECT start_offset, start_ts, end_offset, end_ts, base_offset, end_at, changes"
          + " FROM windows WHERE stream = ? AND slot = ?";
  private static final String INSERT_MESSAGE =
      "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  private final SqlConnection sql;
  private final long maxWindowBytes;
  private long useClock;
  private long committedBytes;

  /** Reads the use clock and the committed bytes; call inside a transaction. */
  WindowTable(SqlConnection sql, long maxWindowBytes) throws SqlFailure {
    this.sql = sql;
    this.maxWindowBytes = maxWindowBytes;
    try (SqlConnection.Rows r = sql.query("SELECT COALESCE(MAX(last_used), 0) FROM windows")) {
      r.next();
      useClock = r.number(0);
    }
    committedBytes = readCommittedBytes();
  }

  /** The bytes committed windows take (the budget counts these). */
  long committedBytes() {
    return committedBytes;
  }

  /** Reads {@code stream}'s committed bytes again, after rows went by other means. */
  void recount() throws SqlFailure {
    committedBytes = readCommittedBytes();
  }

  private long readCommittedBytes() throws SqlFailure {
    try (SqlConnection.Rows r =
        sql.query("SELECT COALESCE(SUM(bytes), 0) FROM windows WHERE slot <> 'live'")) {
      r.next();
      return r.number(0);
    }
  }

  /** A committed window, marked as used now; null if not stored. */
  @Nullable StoredWindow committed(String stream, String windowId) throws SqlFailure {
    String slot = "w:" + windowId;
    StoredWindow window = read(stream, slot);
    if (window != null)
      sql.execute(
          "UPDATE windows SET last_used = ? WHERE stream = ? AND slot = ?",
          ++useClock,
          stream,
          slot);
    return window;
  }

  /** Stores a committed window unless stored already (they never change), then evicts. */
  void putCommitted(String stream, StoredWindow window) throws SqlFailure {
    String slot = "w:" + window.id();
    try (SqlConnection.Rows r = sql.query(SELECT_WINDOW, stream, slot)) {
      if (r.next()) return;
    }
    committedBytes += write(stream, slot, window);
    evict(stream, slot);
  }

  @Nullable StoredWindow live(String stream) throws SqlFailure {
    return read(stream, LIVE);
  }

  void putLive(String stream, StoredWindow window) throws SqlFailure {
    deleteSlot(stream, LIVE);
    write(stream, LIVE, window);
  }

  /** Appends a live batch if the live window is {@code windowId} and ends at {@code from}. */
  boolean appendLive(String stream, String windowId, Offset from, List<Change> changes, Offset to)
      throws SqlFailure {
    long count;
    try (SqlConnection.Rows r = sql.query(SELECT_WINDOW, stream, LIVE)) {
      if (!r.next()) return false;
      String startOffset = r.text(0);
      String id = startOffset == null ? Offset.START.value() : startOffset;
      if (!id.equals(windowId) || !from.value().equals(r.text(5))) return false;
      count = r.number(6);
    }
    long bytes = 0;
    for (int i = 0; i < changes.size(); i++)
      bytes += insert(stream, LIVE, CHANGES, count + i, changes.get(i));
    sql.execute(
        "UPDATE windows SET end_at = ?, changes = changes + ?, bytes = bytes + ?"
            + " WHERE stream = ? AND slot = ?",
        to.value(),
        (long) changes.size(),
        bytes,
        stream,
        LIVE);
    return true;
  }

  /** Drops least recently used committed windows (never {@code keep}) until within budget. */
  private void evict(String keepStream, String keepSlot) throws SqlFailure {
    if (committedBytes <= maxWindowBytes) return;
    List<String[]> victims = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    long over = committedBytes - maxWindowBytes;
    try (SqlConnection.Rows r =
        sql.query(
            "SELECT stream, slot, bytes FROM windows WHERE slot <> 'live' ORDER BY last_used")) {
      while (over > 0 && r.next()) {
        String stream = r.requiredText(0);
        String slot = r.requiredText(1);
        if (stream.equals(keepStream) && slot.equals(keepSlot)) continue;
        victims.add(new String[] {stream, slot});
        sizes.add(r.number(2));
        over -= r.number(2);
      }
    }
    for (int i = 0; i < victims.size(); i++) {
      deleteSlot(victims.get(i)[0], victims.get(i)[1]);
      committedBytes -= sizes.get(i);
      log.fine(
          "local store over budget: evicted " + victims.get(i)[1] + " of " + victims.get(i)[0]);
    }
  }

  private void deleteSlot(String stream, String slot) throws SqlFailure {
    sql.execute("DELETE FROM messages WHERE stream = ? AND slot = ?", stream, slot);
    sql.execute("DELETE FROM windows WHERE stream = ? AND slot = ?", stream, slot);
  }

  /** Writes a window's row and messages; returns the bytes it takes. */
  private long write(String stream, String slot, StoredWindow window) throws SqlFailure {
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
    sql.execute(
        "INSERT INTO windows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        stream,
        slot,
        start == null ? null : start.offset().value(),
        start == null ? null : start.timestamp().toString(),
        end == null ? null : end.offset().value(),
        end == null ? null : end.timestamp().toString(),
        window.baseOffset().value(),
        (last != null ? last : window.baseOffset()).value(),
        (long) changes.size(),
        bytes,
        ++useClock);
    return bytes;
  }

  private long insert(String stream, String slot, int part, long seq, Change change)
      throws SqlFailure {
    Instant ts = change.timestamp();
    Offset at = change.offset();
    sql.execute(
        INSERT_MESSAGE,
        stream,
        slot,
        (long) part,
        seq,
        change.type(),
        change.key(),
        change.operation().wireName(),
        change.value(),
        change.oldValue(),
        ts == null ? null : ts.toString(),
        change.txid(),
        at == null ? null : at.value());
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

  private @Nullable StoredWindow read(String stream, String slot) throws SqlFailure {
    Keyframe start;
    Keyframe end;
    Offset base;
    long count;
    try (SqlConnection.Rows r = sql.query(SELECT_WINDOW, stream, slot)) {
      if (!r.next()) return null;
      start = keyframe(r.text(0), r.text(1));
      end = keyframe(r.text(2), r.text(3));
      base = Offset.of(r.requiredText(4));
      count = r.number(6);
    }
    List<Change> keyframe = new ArrayList<>();
    List<Change> changes = new ArrayList<>((int) count);
    try (SqlConnection.Rows r =
        sql.query(
            "SELECT part, type, key, op, value, old_value, ts, txid, at FROM messages"
                + " WHERE stream = ? AND slot = ? ORDER BY part, seq",
            stream,
            slot)) {
      while (r.next()) {
        Change.Operation op = Change.Operation.fromWireName(r.requiredText(3));
        if (op == null)
          throw new SqlFailure(SqlFailure.Kind.CORRUPT, "unknown operation " + r.text(3));
        String ts = r.text(6);
        String at = r.text(8);
        Change change =
            Change.builder()
                .type(r.requiredText(1))
                .key(r.requiredText(2))
                .operation(op)
                .value(r.text(4))
                .oldValue(r.text(5))
                .timestamp(ts == null ? null : Instant.parse(ts))
                .txid(r.text(7))
                .offset(at == null ? null : Offset.of(at))
                .build();
        (r.number(0) == KEYFRAME ? keyframe : changes).add(change);
      }
    }
    if (changes.size() != count) {
      // Never serve a window that lost rows: the caller reads it again from the server.
      throw new SqlFailure(
          SqlFailure.Kind.CORRUPT,
          slot + " of " + stream + " has " + changes.size() + " changes, expected " + count);
    }
    return StoredWindow.of(start, end, base, keyframe, Collections.unmodifiableList(changes));
  }

  private static @Nullable Keyframe keyframe(@Nullable String offset, @Nullable String ts) {
    return offset == null || ts == null ? null : Keyframe.of(Offset.of(offset), Instant.parse(ts));
  }
}
