package dev.rstream.server.state;

import dev.rstream.server.storage.StreamMeta;
import java.time.Clock;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link StreamState} of every state stream the conventions know, by path: made on first sight
 * of a stream (anew for a new incarnation of its path), dropped once the stream is deleted.
 *
 * <p>Threading: safe from any thread; each {@link StreamState} guards its own fields.
 */
final class StateStreams {
  private static final Logger log = LoggerFactory.getLogger(StateStreams.class);

  private final ConcurrentHashMap<String, StreamState> streams = new ConcurrentHashMap<>();
  private final KeyframePolicy defaultPolicy;
  private final double maxKeyframeShare;
  private final Clock clock;

  StateStreams(KeyframePolicy defaultPolicy, double maxKeyframeShare, Clock clock) {
    this.defaultPolicy = defaultPolicy;
    this.maxKeyframeShare = maxKeyframeShare;
    this.clock = clock;
  }

  /** The state of a state stream, made on first sight (or anew for a new incarnation). */
  StreamState stateOf(StreamMeta meta) {
    return streams.compute(
        meta.path(),
        (path, existing) -> {
          if (existing != null && existing.meta.incarnation() == meta.incarnation())
            return existing;
          if (existing != null) {
            // Deleted and re-created before afterDelete ran: drop the old one's pending work.
            synchronized (existing) {
              existing.deleted = true;
            }
          }
          return empty(meta);
        });
  }

  /** A state for {@code meta} with nothing applied yet, not registered here. */
  StreamState empty(StreamMeta meta) {
    return new StreamState(meta, policyOf(meta), maxKeyframeShare, clock.millis());
  }

  @Nullable StreamState get(String path) {
    return streams.get(path);
  }

  boolean contains(String path) {
    return streams.containsKey(path);
  }

  /** Registers {@code s} for its path, replacing whatever was there. */
  void put(StreamState s) {
    streams.put(s.path(), s);
  }

  /** Drops {@code s} if it still is the state of its path; returns whether it did. */
  boolean remove(StreamState s) {
    return streams.remove(s.path(), s);
  }

  /** Whether {@code s} is still the state of its path (not replaced, not removed). */
  boolean isCurrent(StreamState s) {
    return streams.get(s.path()) == s;
  }

  /** A live view of every known state. */
  Collection<StreamState> all() {
    return streams.values();
  }

  private KeyframePolicy policyOf(StreamMeta meta) {
    try {
      return KeyframePolicy.parse(Objects.requireNonNull(meta.keyframePolicy()), defaultPolicy);
    } catch (IllegalArgumentException e) {
      log.warn(
          "Stream {} has an unreadable keyframe policy, using {}: {}",
          meta.path(),
          defaultPolicy,
          e.getMessage());
      return defaultPolicy;
    }
  }
}
