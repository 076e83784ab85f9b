package dev.rstream.server.state;

import dev.rstream.server.storage.StreamMeta;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One state stream's materialised state and keyframe bookkeeping.
 *
 * <p>Threading: every field is guarded by {@code this}. The hooks mutate it under the stream's
 * append lock too, so they see units in stream order; the lock on {@code this} is only there for
 * the keyframe thread and the interval timer, and is never held while calling out.
 */
final class StreamState {
  final StreamMeta meta;
  final KeyframePolicy policy;

  /** A keyframe may be at most this many times the change bytes since the last one. */
  private final double maxKeyframeShare;

  /**
   * (type, key) to the value's JSON bytes exactly as written. Insertion-ordered so that keyframes
   * list entities in a stable, readable order (oldest first).
   */
  private final Map<EntityKey, byte[]> entities = new LinkedHashMap<>();

  /** Highest timestamp in the stream so far (changes and keyframes), or null before any. */
  @Nullable Instant lastTimestamp;

  /** Changes (and resets) since the last keyframe: what makes a keyframe due. */
  int changesSinceKeyframe;

  /** Bytes of the changes since the last keyframe: what a keyframe's size is weighed against. */
  long bytesSinceKeyframe;

  /** About the size of a keyframe of the state now: each entity's insert with its headers. */
  private long keyframeBytes;

  /** Clock time the last keyframe was stored (or the state was rebuilt): the interval's start. */
  long lastKeyframeAtMillis;

  /** A keyframe (or index repair) is queued or being written; at most one per stream at a time. */
  boolean keyframeInFlight;

  /** The keyframe request whose placeholder unit is on its way through the appender. */
  @Nullable KeyframeRequest request;

  /** Set by beforeAppend for our own keyframe unit, consumed by the afterAppend that follows. */
  @Nullable KeyframeRequest orderedRequest;

  /** beforeAppend's parse of the unit, reused by the afterAppend that follows. */
  @Nullable List<StateMessage> prepared;

  /** Forgotten by afterDelete: pending work for it must be dropped. */
  boolean deleted;

  /** Closed (or gone) as far as the appender is concerned: no more keyframes. */
  boolean finished;

  /** A unit applied here never became durable: read the state again before the next one. */
  boolean needsReplay;

  /** Whether the message being applied is inside a snapshot-start .. snapshot-end run. */
  private boolean inKeyframe;

  StreamState(StreamMeta meta, KeyframePolicy policy, double maxKeyframeShare, long nowMillis) {
    this.meta = meta;
    this.policy = policy;
    this.maxKeyframeShare = maxKeyframeShare;
    this.lastKeyframeAtMillis = nowMillis;
  }

  String path() {
    return meta.path();
  }

  /** Takes the materialised state of {@code from} (a replay of the store) and clears the flag. */
  void replaceContent(StreamState from) {
    Map<EntityKey, byte[]> entities;
    Instant timestamp;
    int changes;
    long changeBytes;
    long size;
    synchronized (from) {
      entities = new LinkedHashMap<>(from.entities);
      timestamp = from.lastTimestamp;
      changes = from.changesSinceKeyframe;
      changeBytes = from.bytesSinceKeyframe;
      size = from.keyframeBytes;
    }
    synchronized (this) {
      this.entities.clear();
      this.entities.putAll(entities);
      lastTimestamp = timestamp;
      changesSinceKeyframe = changes;
      bytesSinceKeyframe = changeBytes;
      keyframeBytes = size;
      inKeyframe = false;
      needsReplay = false;
    }
  }

  /** Whether the count part of the policy makes a keyframe due now (and it is affordable). */
  synchronized boolean countDue() {
    return changesSinceKeyframe >= policy.changes() && keyframeAffordable();
  }

  /**
   * Whether a keyframe now stays within its share of what was appended since the last one: a policy
   * of a keyframe per change must not turn each small change into a copy of a large state.
   */
  synchronized boolean keyframeAffordable() {
    return keyframeBytes <= maxKeyframeShare * bytesSinceKeyframe;
  }

  private static long insertBytes(EntityKey k, byte[] value) {
    // {"type":T,"key":K,"value":V,"headers":{"operation":"insert","timestamp":"...Z"}}
    return k.type().length() + k.key().length() + value.length + 96;
  }

  private void removeEntity(EntityKey k) {
    byte[] old = entities.remove(k);
    if (old != null) keyframeBytes -= insertBytes(k, old);
  }

  private void clearEntities() {
    entities.clear();
    keyframeBytes = 0;
  }

  /**
   * Applies one stored message at {@code position} (the position just before it) in stream order.
   * {@code unitStart} is true for the first message of an append unit: a keyframe never spans
   * units, so an unterminated {@code snapshot-start} ends with its unit.
   *
   * @param found when not null, receives every keyframe start seen (used by the rebuild)
   */
  synchronized void apply(
      StateMessage m,
      long position,
      boolean unitStart,
      long nowMillis,
      @Nullable List<FoundKeyframe> found) {
    if (unitStart) inKeyframe = false;
    switch (m.kind) {
      case CHANGE:
        EntityKey k = new EntityKey(Objects.requireNonNull(m.type), Objects.requireNonNull(m.key));
        if ("delete".equals(m.operation)) {
          removeEntity(k);
        } else {
          byte[] value = Objects.requireNonNull(m.valueBytes());
          // An update keeps the entity's place in the keyframe order; a re-insert moves it last.
          if ("insert".equals(m.operation)) removeEntity(k);
          byte[] old = entities.put(k, value);
          if (old != null) keyframeBytes -= insertBytes(k, old);
          keyframeBytes += insertBytes(k, value);
        }
        raiseTimestamp(m.timestamp);
        if (!inKeyframe) {
          changesSinceKeyframe++;
          bytesSinceKeyframe += m.bytes.length;
        }
        break;
      case CONTROL:
        String c = Objects.requireNonNull(m.control);
        if (c.equals("snapshot-start")) {
          clearEntities();
          inKeyframe = true;
          raiseTimestamp(m.timestamp);
          if (found != null) found.add(new FoundKeyframe(position, timestampOr(m)));
        } else if (c.equals("snapshot-end")) {
          if (inKeyframe) {
            changesSinceKeyframe = 0;
            bytesSinceKeyframe = 0;
            lastKeyframeAtMillis = nowMillis;
          }
          inKeyframe = false;
        } else if (c.equals("reset")) {
          clearEntities();
          changesSinceKeyframe++;
        }
        break;
      case OTHER:
        break;
    }
  }

  /**
   * The keyframe's timestamp for its index entry: its own, else the time of the last change it
   * captures, else none (a keyframe before any change stands for all time before the first one).
   */
  private @Nullable String timestampOr(StateMessage m) {
    if (m.timestampText != null) return m.timestampText;
    return lastTimestamp != null ? Rfc3339.formatExact(lastTimestamp) : null;
  }

  private void raiseTimestamp(@Nullable Instant t) {
    if (t != null && (lastTimestamp == null || t.isAfter(lastTimestamp))) lastTimestamp = t;
  }

  /**
   * Builds a keyframe of the state as it is now: {@code snapshot-start}, one insert per entity,
   * {@code snapshot-end}, all stamped with the timestamp of the last change, so that timestamps
   * stay non-decreasing. Before any change the keyframe (empty) carries no timestamp, and sets no
   * lower bound for the changes that follow (docs/PROTOCOL.md 3.1, 3.2).
   */
  synchronized List<byte[]> keyframeUnit(KeyframeRequest request) {
    Instant ts = lastTimestamp;
    @Nullable String text = ts == null ? null : Rfc3339.formatExact(ts);
    List<byte[]> unit = new ArrayList<>(entities.size() + 2);
    unit.add(StateMessage.control("snapshot-start", text));
    // Entities only come from changes, which all carry a timestamp: the epoch is never written.
    byte[] headers =
        StateMessage.insertHeaders(text != null ? text : Rfc3339.formatExact(Instant.EPOCH));
    // Few types, many keys: escape each type once per keyframe.
    Map<String, byte[]> types = new HashMap<>();
    for (Map.Entry<EntityKey, byte[]> e : entities.entrySet()) {
      byte[] type = types.computeIfAbsent(e.getKey().type(), StateMessage::escape);
      byte[] key = StateMessage.escape(e.getKey().key());
      unit.add(StateMessage.insert(type, key, e.getValue(), headers));
    }
    unit.add(StateMessage.control("snapshot-end", text));
    request.unit = unit;
    request.timestamp = text;
    return unit;
  }

  /** Our own keyframe was stored: the state is unchanged, the counters restart. */
  synchronized void ownKeyframeStored(long nowMillis) {
    changesSinceKeyframe = 0;
    bytesSinceKeyframe = 0;
    lastKeyframeAtMillis = nowMillis;
    inKeyframe = false;
  }

  /** A copy of the materialised state, for tests and diagnostics. */
  synchronized Map<EntityKey, byte[]> entities() {
    return new LinkedHashMap<>(entities);
  }

  /** An entity's identity within a stream. */
  record EntityKey(String type, String key) {}

  /**
   * A keyframe found in the stream: where it starts and its timestamp (null: before any change).
   */
  record FoundKeyframe(long position, @Nullable String timestamp) {}

  /** A keyframe on its way: the placeholder sent, then what beforeAppend turned it into. */
  static final class KeyframeRequest {
    final byte[] placeholder;

    /** The keyframe's messages, built under the append lock; null until then. */
    @Nullable List<byte[]> unit;

    /** The keyframe's timestamp once built; null for a keyframe before any change. */
    @Nullable String timestamp;

    /** Position just before the keyframe's snapshot-start; -1 until afterAppend saw it stored. */
    long startPosition = -1;

    KeyframeRequest(byte[] placeholder) {
      this.placeholder = placeholder;
    }
  }
}
