package dev.rstream.chaos;

import dev.rstream.StateView;
import java.util.Map;

/**
 * An order-independent 64-bit hash of a state (a set of type/key/value entities): the sum of a
 * mixed FNV-1a hash of each entity, so that a replica can keep it up to date change by change and a
 * {@link StateView} can be hashed by walking its entities.
 */
final class StateHash {
  /** The hash of the empty state. */
  static final long EMPTY = 0;

  private StateHash() {}

  /** The hash of everything in {@code view}. */
  static long of(StateView view) {
    long hash = EMPTY;
    for (String type : view.types()) {
      for (Map.Entry<String, String> entity : view.entities(type).entrySet()) {
        hash += entry(type, entity.getKey(), entity.getValue());
      }
    }
    return hash;
  }

  /** One entity's share of the hash. */
  static long entry(String type, String key, String valueJson) {
    long h = 0xcbf29ce484222325L;
    h = fnv(h, type);
    h = (h ^ 0xff) * 0x100000001b3L;
    h = fnv(h, key);
    h = (h ^ 0xfe) * 0x100000001b3L;
    h = fnv(h, valueJson);
    // A final mix (SplitMix64) so that sums of similar entities do not cancel out.
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }

  private static long fnv(long h, String s) {
    for (int i = 0; i < s.length(); i++) h = (h ^ s.charAt(i)) * 0x100000001b3L;
    return h;
  }
}
