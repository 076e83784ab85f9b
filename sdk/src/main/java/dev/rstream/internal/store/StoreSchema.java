package dev.rstream.internal.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The tables of a store file and their version ({@code PRAGMA user_version}), the same on every
 * driver: a file written by {@code SqliteStore} opens in {@code AndroidSqliteStore} and back.
 *
 * <p>Version 1 holds the windows, the keyframe index and the producers; version 2 adds the outbox
 * ({@link OutboxTable#SCHEMA}). A version-1 file whose tables are exactly version 1's is migrated
 * in place, in one transaction, keeping what it stored; any other version, or a version-1 file with
 * other tables, is reported as a problem and the caller moves the file aside.
 */
final class StoreSchema {
  private static final Logger log = Logger.getLogger(StoreSchema.class.getName());

  /** Bumped when the schema changes. */
  static final int VERSION = 2;

  /** Schema version 1: everything but the outbox. */
  static final String[] WINDOWS = {
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

  private StoreSchema() {}

  /**
   * Null if the store is usable (creating the schema in an empty file, migrating a version-1 file),
   * else what is wrong with it.
   */
  static @Nullable String check(SqlConnection sql) throws SqlFailure {
    String quickCheck = single(sql, "PRAGMA quick_check");
    if (!"ok".equals(quickCheck)) return "fails SQLite's check: " + quickCheck;
    long version = Long.parseLong(String.valueOf(single(sql, "PRAGMA user_version")));
    if (version == VERSION) return null;
    if (version == 1) {
      if (!tables(sql).equals(normalized(WINDOWS)))
        return "has schema version 1 but not its tables";
      create(sql, OutboxTable.SCHEMA);
      log.info("local store migrated from schema version 1 to " + VERSION);
      return null;
    }
    if (version != 0) return "has schema version " + version + ", this client needs " + VERSION;
    // Android may add its android_metadata table to any file it opens.
    String count =
        single(sql, "SELECT COUNT(*) FROM sqlite_master WHERE name <> 'android_metadata'");
    if (!"0".equals(count)) return "has tables but no schema version";
    List<String> all = new ArrayList<>(Arrays.asList(WINDOWS));
    all.addAll(Arrays.asList(OutboxTable.SCHEMA));
    create(sql, all.toArray(new String[0]));
    return null;
  }

  /** Runs {@code statements} and sets the current version, in one transaction. */
  private static void create(SqlConnection sql, String[] statements) throws SqlFailure {
    sql.begin();
    try {
      for (String statement : statements) sql.execute(statement);
      sql.execute("PRAGMA user_version = " + VERSION);
    } catch (SqlFailure | RuntimeException e) {
      sql.rollback();
      throw e;
    }
    sql.commit();
  }

  /** The statements that created the file's tables and indexes, as SQLite keeps them. */
  private static List<String> tables(SqlConnection sql) throws SqlFailure {
    List<String> result = new ArrayList<>();
    try (SqlConnection.Rows rows =
        sql.query(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name <> 'android_metadata'"
                + " ORDER BY name")) {
      while (rows.next()) result.add(normalize(rows.requiredText(0)));
    }
    result.sort(null);
    return result;
  }

  private static List<String> normalized(String[] statements) {
    List<String> result = new ArrayList<>();
    for (String s : statements) result.add(normalize(s));
    result.sort(null);
    return result;
  }

  private static String normalize(String statement) {
    return statement.replaceAll("\\s+", " ").trim();
  }

  private static @Nullable String single(SqlConnection sql, String query) throws SqlFailure {
    try (SqlConnection.Rows rows = sql.query(query)) {
      return rows.next() ? rows.text(0) : null;
    }
  }
}
