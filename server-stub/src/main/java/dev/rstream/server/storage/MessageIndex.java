package dev.rstream.server.storage;

import java.util.Arrays;

/**
 * Where each message of one stream starts, where its append unit ends, and (for stores that keep
 * data elsewhere) where its bytes live. Parallel growable {@code long} arrays rather than objects
 * per message, so that a stream of a million messages costs about 24 MB of heap, and a read finds
 * its first message by binary search.
 *
 * <p>Not thread-safe: the owning stream guards it.
 */
final class MessageIndex {
  private long[] starts = new long[16];
  private long[] unitEnds = new long[16];
  private long[] locations = new long[16];
  private int count;
  private long tail;

  int count() {
    return count;
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
    if (position < 0 || position > tail) return -1;
    int i = Arrays.binarySearch(starts, 0, count, position);
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
}
