package dev.rstream.server.storage;

import java.util.Arrays;

/**
 * Where each message of one stream starts, where its append unit ends, and (for stores that keep
 * data elsewhere) where its bytes live. Parallel growable {@code long} arrays rather than objects
 * per message, so that a stream of a million messages costs about 24 MB of heap, and a read finds
 * its first message by binary search.
 *
 * <p>Messages before {@link #start()} were dropped by {@link #trimTo}: entries {@code [first(),
 * count())} are the ones held. Indexes handed out stay valid until the next {@link #trimTo}.
 *
 * <p>Not thread-safe: the owning stream guards it.
 */
final class MessageIndex {
  /** Dropped entries are shifted out once they are at least this many and half the arrays. */
  private static final int COMPACT_AT = 1024;

  private long[] starts = new long[16];
  private long[] unitEnds = new long[16];
  private long[] locations = new long[16];
  private int first;
  private int count;
  private long start;
  private long tail;

  /** An empty index of a stream that begins at position 0. */
  MessageIndex() {}

  /** An empty index of a stream whose first held message starts at {@code start}. */
  MessageIndex(long start) {
    this.start = start;
    this.tail = start;
  }

  /** One past the index of the last message. */
  int count() {
    return count;
  }

  /** Index of the first message held. */
  int first() {
    return first;
  }

  /** Position of the first message held (the tail when none is). */
  long startPosition() {
    return start;
  }

  /** Whether the message at index {@code i} (held, not the first held) begins an append unit. */
  boolean beginsUnit(int i) {
    return i == first || unitEnds[i - 1] == starts[i];
  }

  /**
   * Drops every message before {@code position}, which must be a boundary not before {@link
   * #startPosition()}.
   */
  void trimTo(long position) {
    int i = indexOf(position);
    if (i < 0) throw new IllegalArgumentException("not a boundary: " + position);
    first = i;
    start = position;
    if (first >= COMPACT_AT && first * 2 >= count) {
      int held = count - first;
      System.arraycopy(starts, first, starts, 0, held);
      System.arraycopy(unitEnds, first, unitEnds, 0, held);
      System.arraycopy(locations, first, locations, 0, held);
      count = held;
      first = 0;
    }
  }

  /** Adds {@code delta} to the location of every message held (their file moved). */
  void shiftLocations(long delta) {
    for (int i = first; i < count; i++) locations[i] += delta;
  }

  /** Position after the last indexed message. */
  long tail() {
    return tail;
  }

  /**
   * Index of the message that starts at {@code position}; {@link #count()} when it is the tail; -1
   * when it is not a boundary or is past the tail.
   */
  int indexOf(long position) {
    if (position == tail) return count;
    if (position < start || position > tail) return -1;
    int i = Arrays.binarySearch(starts, first, count, position);
    return i >= 0 ? i : -1;
  }

  /** Index one past the last message of a page that starts at {@code from} (< count). */
  int pageEnd(int from, int maxBytes) {
    int end = from + 1;
    long bytes = length(from);
    while (end < count && bytes + length(end) <= maxBytes) {
      bytes += length(end);
      end++;
    }
    return end;
  }

  long start(int i) {
    return starts[i];
  }

  int length(int i) {
    return (int) ((i + 1 < count ? starts[i + 1] : tail) - starts[i]);
  }

  long unitEnd(int i) {
    return unitEnds[i];
  }

  /** Where the message's bytes live: a list index or a file offset, as the owner decides. */
  long location(int i) {
    return locations[i];
  }

  /** Indexes one message at the tail; {@code unitEnd} is the tail after its whole unit. */
  void add(int length, long location, long unitEnd) {
    if (length <= 0) throw new IllegalArgumentException("empty message");
    if (count == starts.length) {
      int capacity = count * 2;
      starts = Arrays.copyOf(starts, capacity);
      unitEnds = Arrays.copyOf(unitEnds, capacity);
      locations = Arrays.copyOf(locations, capacity);
    }
    starts[count] = tail;
    unitEnds[count] = unitEnd;
    locations[count] = location;
    count++;
    tail += length;
  }

  /**
   * The index of the message at {@code position}, which must begin an append unit.
   *
   * @throws InvalidPositionException naming {@code path} when it does not
   */
  int checkUnitStart(String path, long position) throws InvalidPositionException {
    int at = indexOf(position);
    if (at < 0) throw invalidPosition(path, position);
    if (at < count && !beginsUnit(at)) {
      throw new InvalidPositionException(
          "position " + position + " is inside an append unit of stream " + path);
    }
    return at;
  }

  /**
   * Why {@code position} cannot be read in the stream at {@code path}: before its start ({@link
   * PositionGoneException}), past its tail, or not a message boundary.
   */
  InvalidPositionException invalidPosition(String path, long position) {
    if (position >= 0 && position < start) {
      return new PositionGoneException(path, position, start);
    }
    return new InvalidPositionException(
        position > tail || position < 0
            ? "position " + position + " is outside stream " + path + " (tail " + tail + ")"
            : "position " + position + " is not a message boundary of stream " + path);
  }
}
