package dev.rstream.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.Offset;
import java.io.Closeable;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * The soak's independent view of the server's log: reads the state stream straight from the server
 * (never through the proxy) with plain OkHttp and Jackson, and materialises it itself, change by
 * change, keeping the state's {@link StateHash} after every change. It shares no code with the
 * SDK's decoding or state, so the SDK's answers can be checked against it.
 *
 * <p>While reading it checks the log itself: changes carry increasing producer sequence numbers (in
 * {@code headers.txid}) with none twice, timestamps never decrease, and every keyframe equals the
 * state replayed from the changes before it. Thread-safe; one reading thread.
 */
final class LogReplica implements Closeable {
  private static final long EMPTY = StateHash.EMPTY;

  private final OkHttpClient http;
  private final String streamUrl;
  private final Consumer<String> violations;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Thread reader;
  private volatile boolean closed;

  // Guarded by this.
  private int changes;
  private long[] seqs = new long[1024];
  private long[] millis = new long[1024];
  private long[] hashes = new long[1024];
  private Offset[] unitOffsets = new Offset[1024];

  /** Each change's entity ({@code type + '\0' + key}) and value (null: deleted), for replays. */
  private String[] entities = new String[1024];

  private @Nullable String[] values = new String[1024];
  private final Map<Long, Integer> indexOfSeq = new HashMap<>();
  private final Map<String, String> state = new HashMap<>();
  private long hash = EMPTY;
  private Offset readUpTo = Offset.START;
  private @Nullable Instant firstKeyframe;
  private long lastMillis = Long.MIN_VALUE;
  private long keyframes;
  private long duplicates;
  private @Nullable Map<String, String> snapshot;
  private @Nullable Instant snapshotTime;
  private @Nullable Offset snapshotOffset;
  private long readFailures;

  LogReplica(OkHttpClient http, String streamUrl, Consumer<String> violations) {
    this.http = http;
    this.streamUrl = streamUrl;
    this.violations = violations;
    this.reader = new Thread(this::read, "soak-log-replica");
    reader.setDaemon(true);
  }

  void start() {
    reader.start();
  }

  @Override
  public void close() {
    closed = true;
    reader.interrupt();
  }

  private void read() {
    while (!closed) {
      Offset from;
      synchronized (this) {
        from = readUpTo;
      }
      String url =
          streamUrl + "?offset=" + from.value() + (from.isStart() ? "" : "&live=long-poll");
      try (Response response = http.newCall(new Request.Builder().url(url).build()).execute()) {
        String next = response.header("Stream-Next-Offset");
        if (response.code() == 204) {
          continue;
        }
        if (response.code() != 200 || next == null) {
          throw new IOException("HTTP " + response.code() + " for " + url);
        }
        JsonNode body = mapper.readTree(response.body().byteStream());
        apply(body, Offset.of(next));
      } catch (IOException e) {
        // The server is being killed and restarted: read again once it is back.
        synchronized (this) {
          readFailures++;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  private synchronized void apply(JsonNode messages, Offset next) {
    for (JsonNode message : messages) {
      JsonNode headers = message.path("headers");
      Offset offset =
          headers.hasNonNull("offset") ? Offset.of(headers.get("offset").asText()) : next;
      String control = headers.path("control").asText(null);
      if (control != null) {
        control(control, headers, offset);
        continue;
      }
      String type = message.path("type").asText();
      String key = message.path("key").asText();
      String operation = headers.path("operation").asText();
      if (snapshot != null) {
        if (!operation.equals("insert"))
          violations.accept("log: a " + operation + " inside the keyframe at " + offset);
        snapshot.put(type + '\u0000' + key, message.get("value").toString());
        continue;
      }
      Instant time = Instant.parse(headers.path("timestamp").asText());
      long seq = Long.parseLong(headers.path("txid").asText("-1"));
      if (indexOfSeq.containsKey(seq)) {
        duplicates++;
        violations.accept("log: producer seq " + seq + " appended twice (again at " + offset + ")");
      } else if (changes > 0 && seq < seqs[changes - 1]) {
        violations.accept(
            "log: producer seq " + seq + " after " + seqs[changes - 1] + " at " + offset);
      }
      long at = time.toEpochMilli();
      if (at < lastMillis)
        violations.accept("log: timestamp " + time + " goes backwards at " + offset);
      lastMillis = Math.max(lastMillis, at);
      String entity = type + '\u0000' + key;
      String old =
          operation.equals("delete")
              ? state.remove(entity)
              : state.put(entity, message.get("value").toString());
      if (old != null) hash -= StateHash.entry(type, key, old);
      if (!operation.equals("delete")) hash += StateHash.entry(type, key, state.get(entity));
      grow();
      seqs[changes] = seq;
      millis[changes] = at;
      hashes[changes] = hash;
      unitOffsets[changes] = offset;
      entities[changes] = entity;
      values[changes] = state.get(entity);
      indexOfSeq.put(seq, changes);
      changes++;
    }
    readUpTo = next;
    notifyAll();
  }

  private void control(String control, JsonNode headers, Offset offset) {
    switch (control) {
      case "snapshot-start":
        snapshot = new HashMap<>();
        snapshotOffset = offset;
        snapshotTime =
            headers.hasNonNull("timestamp")
                ? Instant.parse(headers.get("timestamp").asText())
                : null;
        if (firstKeyframe == null) firstKeyframe = snapshotTime;
        break;
      case "snapshot-end":
        Map<String, String> inserts = snapshot;
        snapshot = null;
        keyframes++;
        if (inserts == null) {
          violations.accept("log: snapshot-end without a start at " + offset);
        } else if (!inserts.equals(state)) {
          violations.accept(
              "log: keyframe at "
                  + snapshotOffset
                  + " differs from the replayed state ("
                  + inserts.size()
                  + " vs "
                  + state.size()
                  + " entities)");
        } else if (changes > 0
            && snapshotTime != null
            && snapshotTime.toEpochMilli() != millis[changes - 1]) {
          violations.accept(
              "log: keyframe at "
                  + snapshotOffset
                  + " stamped "
                  + snapshotTime
                  + ", its last change "
                  + Instant.ofEpochMilli(millis[changes - 1]));
        }
        break;
      default:
        violations.accept("log: unexpected control " + control + " at " + offset);
    }
  }

  private void grow() {
    if (changes < seqs.length) return;
    int size = seqs.length * 2;
    seqs = Arrays.copyOf(seqs, size);
    millis = Arrays.copyOf(millis, size);
    hashes = Arrays.copyOf(hashes, size);
    unitOffsets = Arrays.copyOf(unitOffsets, size);
    entities = Arrays.copyOf(entities, size);
    values = Arrays.copyOf(values, size);
  }

  /** The state after the first {@code count} changes, replayed (for reports: linear in the log). */
  synchronized Map<String, String> stateAfter(int count) {
    Map<String, String> replayed = new java.util.TreeMap<>();
    for (int i = 0; i < count; i++) {
      String value = values[i];
      if (value == null) replayed.remove(entities[i]);
      else replayed.put(entities[i], value);
    }
    return replayed;
  }

  /** The producer sequence number of change {@code index}. */
  synchronized long seqAt(int index) {
    return seqs[index];
  }

  /** Waits until the replica has read the log up to {@code offset}; false on timeout. */
  synchronized boolean awaitOffset(Offset offset, long timeout, TimeUnit unit)
      throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (readUpTo.compareTo(offset) < 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) return false;
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /** Waits until the replica holds a change stamped after {@code time}; false on timeout. */
  synchronized boolean awaitAfter(Instant time, long timeout, TimeUnit unit)
      throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (lastMillis <= time.toEpochMilli()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) return false;
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /**
   * The log position of the change the producer numbered {@code seq}, or -1 if the log has none.
   */
  synchronized int indexOfSeq(long seq) {
    Integer index = indexOfSeq.get(seq);
    return index == null ? -1 : index;
  }

  /**
   * How many changes the log holds in units up to and including the one ending at {@code offset}.
   */
  synchronized int changesUpTo(Offset offset) {
    int low = 0;
    int high = changes;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (unitOffsets[mid].compareTo(offset) <= 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The offset that ends the unit holding change {@code index}. */
  synchronized Offset unitOffset(int index) {
    return unitOffsets[index];
  }

  /** The state's hash after the first {@code count} changes. */
  synchronized long hashAfter(int count) {
    return count == 0 ? EMPTY : hashes[count - 1];
  }

  /**
   * How many changes are stamped at or before {@code time} (a prefix: timestamps never decrease).
   */
  synchronized int changesAt(Instant time) {
    long t = time.toEpochMilli();
    int low = 0;
    int high = changes;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (millis[mid] <= t) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  synchronized int changes() {
    return changes;
  }

  synchronized long hash() {
    return hash;
  }

  synchronized Offset readUpTo() {
    return readUpTo;
  }

  synchronized @Nullable Instant firstKeyframe() {
    return firstKeyframe;
  }

  synchronized @Nullable Instant lastChangeTime() {
    return changes == 0 ? null : Instant.ofEpochMilli(millis[changes - 1]);
  }

  synchronized long keyframes() {
    return keyframes;
  }

  synchronized long duplicates() {
    return duplicates;
  }

  synchronized long readFailures() {
    return readFailures;
  }

  /**
   * Whether the change the producer numbered {@code seq} is in the log (exactly once: see {@link
   * #duplicates}).
   */
  synchronized boolean contains(long seq) {
    return indexOfSeq.containsKey(seq);
  }
}
