package dev.rstream.server.write;

import dev.rstream.server.storage.StreamMeta;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * When a stream has expired (spec 5.1): at its {@code Stream-Expires-At}, or once its sliding
 * {@code Stream-TTL} passed without a read or a write. Last access is kept in memory only, so after
 * a restart a TTL counts from the start of the process (or the stream's creation, if later).
 * Thread-safe.
 */
final class StreamExpiry {
  private final LongSupplier clock;
  private final long startMillis;
  private final ConcurrentHashMap<String, Long> lastAccess = new ConcurrentHashMap<>();

  StreamExpiry(LongSupplier clock) {
    this.clock = clock;
    this.startMillis = clock.getAsLong();
  }

  long now() {
    return clock.getAsLong();
  }

  boolean expired(StreamMeta meta, long now) {
    if (meta.expiresAtMillis() != null && now >= meta.expiresAtMillis()) {
      return true;
    }
    Long ttl = meta.ttlSeconds();
    if (ttl != null) {
      long last =
          lastAccess.getOrDefault(meta.path(), Math.max(startMillis, meta.createdAtMillis()));
      // A TTL too large to count in millis never runs out.
      return ttl <= Long.MAX_VALUE / 1000 && now - last >= ttl * 1000;
    }
    return false;
  }

  /** Restarts the sliding TTL of the stream at {@code path}, when it has one. */
  void touch(String path, @Nullable Long ttlSeconds, long now) {
    if (ttlSeconds != null) {
      lastAccess.put(path, now);
    }
  }

  /** Forgets a deleted stream's last access, so that a successor at the path starts afresh. */
  void forget(String path) {
    lastAccess.remove(path);
  }
}
