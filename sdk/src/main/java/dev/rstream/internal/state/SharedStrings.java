package dev.rstream.internal.state;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One String per type and per recently seen key, compared in the parser's buffer rather than made
 * anew for every message, so that held changes and the state share them. Bounded: a stream of
 * ever-new types or keys overwrites what it keeps. Not thread-safe; one per {@link
 * StateMessageDecoder}.
 */
final class SharedStrings {
  private static final int MAX_TYPES = 1024;
  private static final int KEY_CACHE_SIZE = 4096; // a power of two

  // Types repeat on every change: keep one String per type so held changes share it.
  private final Map<String, String> types = new HashMap<>();
  private @Nullable String lastType;
  // Changes to one entity repeat its key: held changes and the state share one String per key.
  // A direct-mapped cache rather than a map: a stream of ever-new keys just overwrites slots.
  private final String[] keys = new String[KEY_CACHE_SIZE];
  // Their hashes beside them: a miss (a new key) is then decided without reading the cached
  // String, which at a million keys is a cache miss of its own.
  private final int[] keyHashes = new int[KEY_CACHE_SIZE];

  String sharedType(JsonParser parser) throws IOException {
    String last = lastType;
    if (last != null && textEquals(parser, last)) return last;
    String type = parser.getText();
    String shared = types.get(type);
    if (shared == null) {
      if (types.size() >= MAX_TYPES) types.clear(); // bounded against a stream of ever-new types
      types.put(type, type);
      shared = type;
    }
    lastType = shared;
    return shared;
  }

  String sharedKey(JsonParser parser) throws IOException {
    char[] chars = parser.getTextCharacters();
    int offset = parser.getTextOffset();
    int length = parser.getTextLength();
    int hash = 0;
    for (int i = offset, end = offset + length; i < end; i++) hash = 31 * hash + chars[i];
    int slot = (hash ^ (hash >>> 16)) & (KEY_CACHE_SIZE - 1);
    if (keyHashes[slot] == hash) {
      String cached = keys[slot];
      if (cached != null && regionEquals(cached, chars, offset, length)) return cached;
    }
    String key = new String(chars, offset, length);
    keys[slot] = key;
    keyHashes[slot] = hash;
    return key;
  }

  /** Whether the current token's text is {@code s}, without making a String of it. */
  static boolean textEquals(JsonParser parser, @Nullable String s) throws IOException {
    if (s == null) return false;
    char[] chars = parser.getTextCharacters();
    return regionEquals(s, chars, parser.getTextOffset(), parser.getTextLength());
  }

  private static boolean regionEquals(String s, char[] chars, int offset, int length) {
    if (s.length() != length) return false;
    for (int i = 0; i < length; i++) {
      if (s.charAt(i) != chars[offset + i]) return false;
    }
    return true;
  }
}
