package dev.rstream.internal.store;

import dev.rstream.LocalStore.OutboxEntry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The outbox tables of {@link SqliteDatabase}: one producer row per stream (its id, epoch, next
 * sequence number and the last one acknowledged) and one row per unacknowledged append. Each method
 * runs inside the caller's transaction on {@code connection}; the caller serializes them.
 */
final class OutboxTable {
  static final String[] SCHEMA = {
    "CREATE TABLE outbox_producers (stream TEXT PRIMARY KEY, producer_id TEXT NOT NULL,"
        + " epoch INTEGER NOT NULL, next_seq INTEGER NOT NULL, acked_seq INTEGER NOT NULL)",
    "CREATE TABLE outbox (stream TEXT NOT NULL, seq INTEGER NOT NULL, epoch INTEGER NOT NULL,"
        + " body TEXT NOT NULL, PRIMARY KEY (stream, seq))",
  };

  private final Connection connection;

  OutboxTable(Connection connection) {
    this.connection = connection;
  }

  OutboxEntry add(String stream, String newProducerId, String body) throws SQLException {
    String id;
    long epoch;
    long seq;
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT producer_id, epoch, next_seq FROM outbox_producers WHERE stream = ?")) {
      s.setString(1, stream);
      try (ResultSet r = s.executeQuery()) {
        if (r.next()) {
          id = r.getString(1);
          epoch = r.getLong(2);
          seq = r.getLong(3);
        } else {
          id = newProducerId;
          epoch = 0;
          seq = 0;
        }
      }
    }
    putProducer(stream, id, epoch, seq + 1);
    try (PreparedStatement s =
        connection.prepareStatement("INSERT INTO outbox VALUES (?, ?, ?, ?)")) {
      s.setString(1, stream);
      s.setLong(2, seq);
      s.setLong(3, epoch);
      s.setString(4, body);
      s.executeUpdate();
    }
    return OutboxEntry.of(id, epoch, seq, body);
  }

  /** Writes the producer row; a new row has nothing acknowledged. */
  private void putProducer(String stream, String id, long epoch, long nextSeq) throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement(
            "INSERT INTO outbox_producers VALUES (?, ?, ?, ?, -1) ON CONFLICT (stream) DO UPDATE"
                + " SET producer_id = excluded.producer_id, epoch = excluded.epoch,"
                + " next_seq = excluded.next_seq")) {
      s.setString(1, stream);
      s.setString(2, id);
      s.setLong(3, epoch);
      s.setLong(4, nextSeq);
      s.executeUpdate();
    }
  }

  List<OutboxEntry> entries(String stream) throws SQLException {
    List<OutboxEntry> result = new ArrayList<>();
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT p.producer_id, o.epoch, o.seq, o.body FROM outbox o"
                + " JOIN outbox_producers p ON p.stream = o.stream WHERE o.stream = ?"
                + " ORDER BY o.seq")) {
      s.setString(1, stream);
      try (ResultSet r = s.executeQuery()) {
        while (r.next())
          result.add(OutboxEntry.of(r.getString(1), r.getLong(2), r.getLong(3), r.getString(4)));
      }
    }
    return result;
  }

  void acknowledge(String stream, long epoch, long seq) throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement("DELETE FROM outbox WHERE stream = ? AND seq <= ?")) {
      s.setString(1, stream);
      s.setLong(2, seq);
      s.executeUpdate();
    }
    try (PreparedStatement s =
        connection.prepareStatement(
            "UPDATE outbox_producers SET acked_seq = ? WHERE stream = ? AND epoch = ?"
                + " AND acked_seq < ?")) {
      s.setLong(1, seq);
      s.setString(2, stream);
      s.setLong(3, epoch);
      s.setLong(4, seq);
      s.executeUpdate();
    }
  }

  List<OutboxEntry> renumber(String stream, long removeSeq, long epoch, long firstSeq)
      throws SQLException {
    List<OutboxEntry> kept = new ArrayList<>();
    @Nullable String id = null;
    for (OutboxEntry e : entries(stream)) {
      id = e.producerId();
      if (e.seq() != removeSeq) kept.add(e);
    }
    if (id == null) id = producerId(stream);
    if (id == null) return kept; // no producer yet: nothing was ever added
    try (PreparedStatement s = connection.prepareStatement("DELETE FROM outbox WHERE stream = ?")) {
      s.setString(1, stream);
      s.executeUpdate();
    }
    List<OutboxEntry> result = new ArrayList<>(kept.size());
    try (PreparedStatement s =
        connection.prepareStatement("INSERT INTO outbox VALUES (?, ?, ?, ?)")) {
      for (int i = 0; i < kept.size(); i++) {
        OutboxEntry e = OutboxEntry.of(id, epoch, firstSeq + i, kept.get(i).body());
        s.setString(1, stream);
        s.setLong(2, e.seq());
        s.setLong(3, epoch);
        s.setString(4, e.body());
        s.addBatch();
        result.add(e);
      }
      s.executeBatch();
    }
    // A new numbering starts below anything acknowledged: the acknowledged number restarts too.
    try (PreparedStatement s =
        connection.prepareStatement(
            "UPDATE outbox_producers SET epoch = ?, next_seq = ?, acked_seq = ? WHERE stream = ?")) {
      s.setLong(1, epoch);
      s.setLong(2, firstSeq + kept.size());
      s.setLong(3, firstSeq - 1);
      s.setString(4, stream);
      s.executeUpdate();
    }
    return result;
  }

  private @Nullable String producerId(String stream) throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement("SELECT producer_id FROM outbox_producers WHERE stream = ?")) {
      s.setString(1, stream);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    }
  }
}
