package dev.rstream.server.state;

import dev.rstream.server.storage.InvalidPositionException;
import dev.rstream.server.storage.LogStore;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.StreamMeta;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies each state stream's {@link RetentionPolicy}: knows the keyframes whose index entries are
 * durable, and once a policy drops the oldest windows, trims the keyframe index to the entry of the
 * first keyframe kept, then the stream to that keyframe ({@link LogStore#trim}), so that a reader
 * never finds the index listing less than the stream holds. Idempotent: a restart rebuilds what it
 * knows from the stream and its index, and trims again what a crash left untrimmed.
 *
 * <p>Threading: called on the conventions' scheduler thread, and at start before it runs; each
 * stream's bookkeeping is guarded by its own monitor.
 */
final class WindowRetention {
  private static final Logger log = LoggerFactory.getLogger(WindowRetention.class);

  private final LogStore store;
  private final Clock clock;
  private final Map<String, Track> tracks = new ConcurrentHashMap<>();

  WindowRetention(LogStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** A keyframe of a stream, and where its entry starts in the stream's index. */
  record Kept(long position, @Nullable Long millis, long indexPosition) {}

  /**
   * The keyframe at {@code position} and its index entry at {@code indexPosition} are durable: it
   * is the newest one. Applies the policy.
   */
  void indexed(StreamMeta meta, long position, @Nullable String timestamp, long indexPosition) {
    Track track = track(meta);
    if (track == null) return;
    synchronized (track) {
      List<Kept> kept = track.kept;
      if (!kept.isEmpty() && kept.get(kept.size() - 1).position() >= position) return;
      kept.add(new Kept(position, millis(timestamp), indexPosition));
      apply(track);
    }
  }

  /** At start: the keyframes the index lists (oldest first). Applies the policy. */
  void rebuilt(StreamMeta meta, List<Kept> listed) {
    tracks.remove(meta.path());
    Track track = track(meta);
    if (track == null) return;
    synchronized (track) {
      track.kept.addAll(listed);
      apply(track);
    }
  }

  /** Applies every policy with an age part: the clock moved. */
  void tick() {
    for (Track track : tracks.values()) {
      if (track.policy.age() == null) continue;
      synchronized (track) {
        apply(track);
      }
    }
  }

  /** The stream was deleted. */
  void forget(String path) {
    tracks.remove(path);
  }

  private @Nullable Track track(StreamMeta meta) {
    String retention = meta.retention();
    if (retention == null || meta.keyframePolicy() == null) return null;
    Track track =
        tracks.compute(
            meta.path(),
            (path, t) ->
                t != null && t.incarnation == meta.incarnation()
                    ? t
                    : new Track(path, meta.incarnation(), RetentionPolicy.parse(retention)));
    return track;
  }

  private void apply(Track track) {
    List<Kept> kept = track.kept;
    int live = kept.size() - 1;
    int cut = cut(track.policy, kept, clock.millis());
    if (cut <= 0 || cut > live) return;
    Kept first = kept.get(cut);
    String path = track.path;
    StreamMeta current = store.meta(path);
    if (current == null || current.incarnation() != track.incarnation) return;
    try {
      store.trim(path + RealStreamConventions.INDEX_SUFFIX, first.indexPosition());
      store.trim(path, first.position());
    } catch (NoSuchStreamException | InvalidPositionException e) {
      log.warn("Retention of {} could not trim at {}: {}", path, first.position(), e.getMessage());
      return;
    }
    kept.subList(0, cut).clear();
    log.debug("Retention of {} dropped {} windows", path, cut);
  }

  /**
   * The index in {@code kept} of the first keyframe to keep: windows before it go. The last entry
   * is the live window's keyframe, which is always kept.
   */
  static int cut(RetentionPolicy policy, List<Kept> kept, long nowMillis) {
    int live = kept.size() - 1;
    int cut = 0;
    if (policy.windows() > 0) cut = Math.max(cut, live - policy.windows() + 1);
    Duration age = policy.age();
    if (age != null) {
      long threshold = nowMillis - age.toMillis();
      for (int j = live; j > cut; j--) {
        Long at = kept.get(j).millis();
        // Window j covers the time `threshold`: the windows before it hold only older history.
        if (at != null && at <= threshold) {
          cut = j;
          break;
        }
      }
    }
    return cut;
  }

  /**
   * The epoch milliseconds of an RFC 3339 {@code timestamp}; null when it is null or unreadable.
   */
  static @Nullable Long millis(@Nullable String timestamp) {
    if (timestamp == null) return null;
    try {
      return Rfc3339.parse(timestamp).toEpochMilli();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** One stream's policy and the keyframes it keeps, oldest first. */
  private static final class Track {
    final String path;
    final long incarnation;
    final RetentionPolicy policy;
    final List<Kept> kept = new ArrayList<>();

    Track(String path, long incarnation, RetentionPolicy policy) {
      this.path = path;
      this.incarnation = incarnation;
      this.policy = policy;
    }
  }
}
