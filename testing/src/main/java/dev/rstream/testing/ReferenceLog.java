package dev.rstream.testing;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * What a test appended to one entity type of a state stream, in order: the reference a client's
 * states are checked against. {@link #replayTo} gives the state at any time as plain maps, so the
 * check needs no code of the client under test.
 *
 * <p>Entries carry the timestamps the test gave them, taken from this log's clock, which only moves
 * forward. Not thread-safe: one writing thread.
 */
public final class ReferenceLog {
  /**
   * One change: an upsert of {@code value} at {@code key}, or a delete when {@code value} is null.
   */
  public record Entry(String key, @Nullable String value, Instant timestamp) {
    public Entry {
      requireNonNull(key, "key == null");
      requireNonNull(timestamp, "timestamp == null");
    }

    /** Whether this change deletes its key. */
    public boolean isDelete() {
      return value == null;
    }
  }

  /** How {@link #randomUnit} picks changes. */
  public enum Shape {
    /** Every change an update, each a little later than the one before. */
    UPDATES,
    /** One change in five a delete, and one in three at the same time as the one before. */
    UPDATES_DELETES_AND_TIES
  }

  private final List<Entry> entries = new ArrayList<>();
  private Instant clock;

  /** An empty log whose clock starts at {@code start}. */
  public ReferenceLog(Instant start) {
    this.clock = requireNonNull(start, "start == null");
  }

  /** The time of the newest entry, or the start when there is none. */
  public Instant clock() {
    return clock;
  }

  /** Every entry recorded, oldest first (a copy). */
  public List<Entry> entries() {
    return new ArrayList<>(entries);
  }

  /** How many entries are recorded. */
  public int size() {
    return entries.size();
  }

  /**
   * Makes and records one unit of 1 to 3 changes to keys {@code o0..o11} with values {@code
   * {"qty":n}}, each at or after the clock, which moves to the last of them. The same {@code
   * random} state gives the same unit.
   */
  public List<Entry> randomUnit(Random random, Shape shape) {
    List<Entry> unit = new ArrayList<>();
    for (int i = 1 + random.nextInt(3); i > 0; i--) {
      boolean tie = shape == Shape.UPDATES_DELETES_AND_TIES && random.nextInt(3) == 0;
      if (!tie) clock = clock.plusMillis(1 + random.nextInt(1000));
      String key = "o" + random.nextInt(12);
      boolean delete = shape == Shape.UPDATES_DELETES_AND_TIES && random.nextInt(5) == 0;
      unit.add(new Entry(key, delete ? null : "{\"qty\":" + random.nextInt(100) + "}", clock));
    }
    entries.addAll(unit);
    return unit;
  }

  /** Forgets every entry (the stream was deleted); the clock stays where it is. */
  public void clear() {
    entries.clear();
  }

  /** How many entries are later than {@code time}. */
  public int countAfter(Instant time) {
    int count = 0;
    for (Entry entry : entries) {
      if (entry.timestamp().isAfter(time)) count++;
    }
    return count;
  }

  /** The state at {@code time}: every entry at or before it applied in order, key to value. */
  public Map<String, String> replayTo(Instant time) {
    Map<String, String> state = new LinkedHashMap<>();
    for (Entry entry : entries) {
      if (entry.timestamp().isAfter(time)) break;
      String value = entry.value();
      if (value == null) state.remove(entry.key());
      else state.put(entry.key(), value);
    }
    return state;
  }
}
