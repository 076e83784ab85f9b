package dev.rstream.internal.store;

import dev.rstream.LocalStore.OutboxEntry;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The outbox tables of {@link SqlLocalStore}: one producer row per stream (its id, epoch, next
 * sequence number and the last one acknowledged) and one row per unacknowledged append. Each method
 * runs inside the caller's transaction; the caller serializes them. The SQL is what SQLite 3.18
 * (Android 8.0, API 26) understands: no upsert.
 */
final class OutboxTable {
  static final String[] SCHEMA = {
    "CREATE TABLE outbox_producers (stream TEXT PRIMARY KEY, producer_id TEXT NOT NULL,"
        + " epoch INTEGER NOT NULL, next_seq INTEGER NOT NULL, acked_seq INTEGER NOT NULL)",
    "CREATE TABLE outbox (stream TEXT NOT NULL, seq INTEGER NOT NULL, epoch INTEGER NOT NULL,"
        + " body TEXT NOT NULL, PRIMARY KEY (stream, seq))",
  };

  private static final String INSERT = "INSERT INTO outbox VALUES (?, ?, ?, ?)";

  private final SqlConnection sql;

  OutboxTable(SqlConnection sql) {
    this.sql = sql;
  }

  OutboxEntry add(String stream, String newProducerId, String body) throws SqlFailure {
    String id;
    long epoch;
    long seq;
    boolean known;
    try (SqlConnection.Rows r =
        sql.query(
            "SELECT producer_id, epoch, next_seq FROM outbox_producers WHERE stream = ?", stream)) {
      known = r.next();
      if (known) {
        id = r.requiredText(0);
        epoch = r.number(1);
        seq = r.number(2);
      } else {
        id = newProducerId;
        epoch = 0;
        seq = 0;
      }
    }
    if (known) {
      sql.execute("UPDATE outbox_producers SET next_seq = ? WHERE stream = ?", seq + 1, stream);
    } else { // a new producer has nothing acknowledged
      sql.execute("INSERT INTO outbox_producers VALUES (?, ?, 0, 1, -1)", stream, id);
    }
    sql.execute(INSERT, stream, seq, epoch, body);
    return OutboxEntry.of(id, epoch, seq, body);
  }

  List<OutboxEntry> entries(String stream) throws SqlFailure {
    List<OutboxEntry> result = new ArrayList<>();
    try (SqlConnection.Rows r =
        sql.query(
            "SELECT p.producer_id, o.epoch, o.seq, o.body FROM outbox o"
                + " JOIN outbox_producers p ON p.stream = o.stream WHERE o.stream = ?"
                + " ORDER BY o.seq",
            stream)) {
      while (r.next())
        result.add(OutboxEntry.of(r.requiredText(0), r.number(1), r.number(2), r.requiredText(3)));
    }
    return result;
  }

  void acknowledge(String stream, long epoch, long seq) throws SqlFailure {
    sql.execute("DELETE FROM outbox WHERE stream = ? AND seq <= ?", stream, seq);
    sql.execute(
        "UPDATE outbox_producers SET acked_seq = ? WHERE stream = ? AND epoch = ? AND acked_seq < ?",
        seq,
        stream,
        epoch,
        seq);
  }

  List<OutboxEntry> renumber(String stream, long removeSeq, long epoch, long firstSeq)
      throws SqlFailure {
    List<OutboxEntry> kept = new ArrayList<>();
    @Nullable String id = null;
    for (OutboxEntry e : entries(stream)) {
      id = e.producerId();
      if (e.seq() != removeSeq) kept.add(e);
    }
    if (id == null) id = producerId(stream);
    if (id == null) return kept; // no producer yet: nothing was ever added
    sql.execute("DELETE FROM outbox WHERE stream = ?", stream);
    List<OutboxEntry> result = new ArrayList<>(kept.size());
    for (int i = 0; i < kept.size(); i++) {
      OutboxEntry e = OutboxEntry.of(id, epoch, firstSeq + i, kept.get(i).body());
      sql.execute(INSERT, stream, e.seq(), epoch, e.body());
      result.add(e);
    }
    // A new numbering starts below anything acknowledged: the acknowledged number restarts too.
    sql.execute(
        "UPDATE outbox_producers SET epoch = ?, next_seq = ?, acked_seq = ? WHERE stream = ?",
        epoch,
        firstSeq + kept.size(),
        firstSeq - 1,
        stream);
    return result;
  }

  private @Nullable String producerId(String stream) throws SqlFailure {
    try (SqlConnection.Rows r =
        sql.query("SELECT producer_id FROM outbox_producers WHERE stream = ?", stream)) {
      return r.next() ? r.text(0) : null;
    }
  }
}
