package dev.rstream.internal.window;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.internal.state.Control;
import dev.rstream.internal.state.StateMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A random state stream as a server following docs/PROTOCOL.md would serve it: append units of one
 * to three changes, keyframes as their own units (snapshot-start, inserts of the whole state,
 * snapshot-end), every message's headers.offset set to the end of its unit, and timestamps that
 * never decrease and often repeat (ties between changes and keyframes, and between keyframes).
 */
public final class GeneratedLog {
  public final List<StateMessage> messages = new ArrayList<>();

  /** Unit start offset of each message (what a read from there returns first). */
  public final List<Offset> unitStarts = new ArrayList<>();

  public final List<Keyframe> keyframes = new ArrayList<>();
  public final Instant first;
  public Instant last;

  private final Random random;
  private final Map<String, String> state = new LinkedHashMap<>(); // "type\0key" -> value
  private Offset tail = Offset.START;
  private int unit;
  private Instant now;

  public GeneratedLog(long seed, int keyframeCount, int maxChangesBetween) {
    this(seed, keyframeCount, maxChangesBetween, false);
  }

  /**
   * With {@code untimedFirstKeyframe}, the initial empty keyframe and its index entry carry no
   * timestamp (docs/PROTOCOL.md 3.2, 3.4; what server-stub writes); otherwise both carry {@link
   * #first}, as earlier versions of server-stub wrote.
   */
  public GeneratedLog(
      long seed, int keyframeCount, int maxChangesBetween, boolean untimedFirstKeyframe) {
    random = new Random(seed);
    now = Instant.parse("2026-01-01T00:00:00Z");
    first = now;
    if (untimedFirstKeyframe) untimedKeyframe();
    else keyframe(); // a state stream begins with a (here empty) keyframe
    for (int k = 1; k < keyframeCount; k++) {
      int units = random.nextInt(maxChangesBetween + 1); // sometimes none: back-to-back keyframes
      for (int u = 0; u < units; u++) changeUnit();
      keyframe();
    }
    for (int u = 0; u < maxChangesBetween; u++) changeUnit(); // the live window's changes
  }

  private Offset nextOffset() {
    unit++;
    return Offset.of(String.format("%010d_%06d", unit, random.nextInt(1_000_000)));
  }

  private void tick() {
    if (random.nextInt(3) != 0) now = now.plusMillis(1 + random.nextInt(2000)); // else a tie
  }

  /** Appends one unit of one to three changes (timestamps move on from the last message). */
  public void changeUnit() {
    Offset start = tail;
    Offset end = nextOffset();
    int n = 1 + random.nextInt(3);
    for (int i = 0; i < n; i++) {
      tick();
      String type = "t" + random.nextInt(3);
      String key = "k" + random.nextInt(40);
      String id = type + "\0" + key;
      Change.Builder change = Change.builder().type(type).key(key).timestamp(now).offset(end);
      boolean exists = state.containsKey(id);
      if (exists && random.nextInt(4) == 0) {
        change.operation(Change.Operation.DELETE).oldValue(state.remove(id));
      } else {
        String value = "{\"n\":" + random.nextInt(1000) + ",\"unit\":" + unit + "}";
        change.operation(exists ? Change.Operation.UPDATE : Change.Operation.INSERT).value(value);
        state.put(id, value);
      }
      add(StateMessage.of(change.build()), start);
    }
    tail = end;
    last = now;
  }

  /** Appends a keyframe of the current state as its own unit. */
  public void keyframe() {
    Offset start = tail;
    Offset end = nextOffset();
    keyframes.add(Keyframe.of(start, now));
    addSnapshot(Control.of(Control.Kind.SNAPSHOT_START, end, now), state, end, now, start);
    tail = end;
    last = now;
  }

  /**
   * Appends a keyframe as a keyframer writes it (docs/PROTOCOL.md 3.2): the state as of the current
   * tail, then {@code units} change units by other writers, then the keyframe with {@code asOf}
   * naming that tail. Its index entry's offset is the asOf.
   */
  public void keyframeAsOf(int units) {
    Offset asOf = tail;
    Instant time = now;
    Map<String, String> snapshot = new LinkedHashMap<>(state);
    for (int u = 0; u < units; u++) changeUnit();
    Offset start = tail;
    Offset end = nextOffset();
    keyframes.add(Keyframe.of(asOf, time));
    addSnapshot(Control.snapshotStartAsOf(end, time, asOf), snapshot, end, time, start);
    tail = end;
  }

  /**
   * Adds a keyframe's messages to the unit at {@code unitStart}: {@code snapshotStart}, an insert
   * per entry of {@code snapshot} at {@code end} and {@code time}, then the snapshot's end.
   */
  private void addSnapshot(
      Control snapshotStart,
      Map<String, String> snapshot,
      Offset end,
      Instant time,
      Offset unitStart) {
    add(StateMessage.of(snapshotStart), unitStart);
    for (Map.Entry<String, String> entry : snapshot.entrySet()) {
      String[] id = entry.getKey().split("\0");
      add(
          StateMessage.of(
              Change.builder()
                  .operation(Change.Operation.INSERT)
                  .type(id[0])
                  .key(id[1])
                  .value(entry.getValue())
                  .timestamp(time)
                  .offset(end)
                  .build()),
          unitStart);
    }
    add(StateMessage.of(Control.of(Control.Kind.SNAPSHOT_END, end, time)), unitStart);
  }

  /**
   * Appends a unit of one insert stamped {@code behind} earlier than the last message, as a writer
   * with a slow clock does on a server that enforces no order (docs/PROTOCOL.md 3.1).
   */
  public void skewedChangeUnit(java.time.Duration behind) {
    Offset start = tail;
    Offset end = nextOffset();
    String key = "skewed" + unit;
    String value = "{\"unit\":" + unit + "}";
    add(
        StateMessage.of(
            Change.builder()
                .operation(Change.Operation.INSERT)
                .type("t0")
                .key(key)
                .value(value)
                .timestamp(now.minus(behind))
                .offset(end)
                .build()),
        start);
    state.put("t0\0" + key, value);
    tail = end;
  }

  private void untimedKeyframe() {
    Offset start = tail;
    Offset end = nextOffset();
    keyframes.add(Keyframe.of(start, Instant.MIN));
    add(StateMessage.of(Control.of(Control.Kind.SNAPSHOT_START, end, null)), start);
    add(StateMessage.of(Control.of(Control.Kind.SNAPSHOT_END, end, null)), start);
    tail = end;
  }

  /** Appends a reset control as its own unit: readers drop everything and rebuild after it. */
  public void reset() {
    Offset start = tail;
    Offset end = nextOffset();
    add(StateMessage.of(Control.of(Control.Kind.RESET, end, null)), start);
    state.clear();
    tail = end;
  }

  private void add(StateMessage message, Offset unitStart) {
    messages.add(message);
    unitStarts.add(unitStart);
  }

  /** Messages a read from {@code from} returns, up to (not including) {@code until} if non-null. */
  public List<StateMessage> read(Offset from, Offset until) {
    List<StateMessage> result = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      Offset unitStart = unitStarts.get(i);
      if (unitStart.compareTo(from) < 0) continue;
      if (until != null && unitStart.compareTo(until) >= 0) break;
      result.add(messages.get(i));
    }
    return result;
  }

  /**
   * The naive reference: state at {@code time} is every change with an effective timestamp {@code
   * <= time} (its own, or the latest before it if later), applied in order to a plain map,
   * keyframes ignored (each only repeats the state so far).
   */
  public Map<String, Map<String, String>> replayTo(Instant time) {
    Map<String, Map<String, String>> result = new LinkedHashMap<>();
    boolean inKeyframe = false;
    Instant effective = Instant.MIN;
    for (StateMessage message : messages) {
      if (message.control() != null) {
        inKeyframe = message.is(Control.Kind.SNAPSHOT_START);
        if (message.is(Control.Kind.RESET)) result.clear();
        continue;
      }
      Change change = message.change();
      if (inKeyframe) continue;
      if (change.timestamp().isAfter(effective)) effective = change.timestamp();
      if (effective.isAfter(time)) break;
      if (change.operation() == Change.Operation.DELETE) {
        Map<String, String> entities = result.get(change.type());
        entities.remove(change.key());
        if (entities.isEmpty()) result.remove(change.type());
      } else {
        result
            .computeIfAbsent(change.type(), t -> new LinkedHashMap<>())
            .put(change.key(), change.value());
      }
    }
    return result;
  }

  /**
   * A time strictly inside the {@code n}th window that lasts (keyframes may share a timestamp, and
   * then the window between them covers no time).
   */
  public Instant inside(int n) {
    int k = -1;
    for (int seen = -1; seen < n; ) {
      k++;
      if (keyframes.get(k).timestamp().isBefore(keyframes.get(k + 1).timestamp())) seen++;
    }
    Instant start = keyframes.get(k).timestamp();
    Instant end = keyframes.get(k + 1).timestamp();
    return start.plusMillis((end.toEpochMilli() - start.toEpochMilli()) / 2);
  }

  /** How many windows between keyframes cover some time: the {@code n} {@link #inside} takes. */
  public int lastingWindows() {
    int n = 0;
    for (int k = 0; k + 1 < keyframes.size(); k++) {
      if (keyframes.get(k).timestamp().isBefore(keyframes.get(k + 1).timestamp())) n++;
    }
    return n;
  }

  /** The index in {@link #keyframes} of the keyframe that starts window {@code windowId}. */
  public int keyframeIndexOf(String windowId) {
    for (int k = 0; k < keyframes.size(); k++) {
      if (keyframes.get(k).offset().value().equals(windowId)) return k;
    }
    throw new AssertionError("no keyframe " + windowId);
  }

  /** The offset of the last message written. */
  public Offset lastOffset() {
    return messages.get(messages.size() - 1).offset();
  }
}
