package dev.rstream.keyframer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rstream.Offset;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * A whole read of a state stream and its index, taken without the client under test: the changes
 * with their effective timestamps (the full replay every time seek is checked against) and the
 * keyframes and index entries (checked for order, duplicates and coverage).
 */
final class StreamAudit {
  /** One change in stream order: where its unit starts, its effective time, and what it does. */
  record ChangeAt(
      Offset unitStart, Instant effective, String type, String key, @Nullable JsonNode value) {}

  /** A keyframe in the stream: its position, start offset and the offset after its unit. */
  record KeyframeAt(Offset position, Offset asOf, Offset end, @Nullable String timestamp) {}

  /** An index entry: its start offset, its keyframe's position, its timestamp. */
  record Entry(Offset asOf, Offset position, @Nullable String timestamp) {}

  final List<ChangeAt> changes = new ArrayList<>();
  final List<KeyframeAt> keyframes = new ArrayList<>();
  final List<Entry> index = new ArrayList<>();
  Offset tail = Offset.START;

  static StreamAudit read(OkHttpClient http, String url) {
    StreamAudit audit = new StreamAudit();
    audit.readStream(DurableStream.builder().url(url).okHttpClient(http).build());
    List<JsonNode> entries;
    try {
      entries = all(DurableStream.builder().url(url + ".keyframes").okHttpClient(http).build());
    } catch (dev.rstream.StreamNotFoundException e) {
      entries = List.of(); // no keyframer has run yet
    }
    for (JsonNode entry : entries) {
      Offset asOf = Offset.of(entry.get("offset").asText());
      JsonNode keyframe = entry.get("keyframe");
      JsonNode timestamp = entry.get("timestamp");
      audit.index.add(
          new Entry(
              asOf,
              keyframe != null ? Offset.of(keyframe.asText()) : asOf,
              timestamp != null ? timestamp.asText() : null));
    }
    return audit;
  }

  private static List<JsonNode> all(DurableStream stream) {
    return stream
        .read(ReadOptions.builder().liveMode(LiveMode.OFF).build(), MessageDecoder.jsonNode())
        .concatMapIterable(ReadBatch::messages)
        .toList()
        .timeout(30, TimeUnit.SECONDS)
        .blockingGet();
  }

  private void readStream(DurableStream stream) {
    List<ReadBatch<JsonNode>> batches =
        stream
            .read(ReadOptions.builder().liveMode(LiveMode.OFF).build(), MessageDecoder.jsonNode())
            .toList()
            .timeout(30, TimeUnit.SECONDS)
            .blockingGet();
    Instant effective = Instant.EPOCH;
    Offset unitStart = Offset.START;
    Offset unitEnd = null;
    Offset kfPosition = null;
    Offset kfAsOf = null;
    String kfTimestamp = null;
    for (ReadBatch<JsonNode> batch : batches) {
      for (JsonNode message : batch.messages()) {
        JsonNode headers = message.get("headers");
        Offset end = Offset.of(headers.get("offset").asText());
        if (!end.equals(unitEnd)) {
          unitStart = unitEnd != null ? unitEnd : batch.startOffset();
          unitEnd = end;
        }
        JsonNode ts = headers.get("timestamp");
        if (ts != null) {
          Instant t = Instant.parse(ts.asText());
          if (t.isAfter(effective)) effective = t;
        }
        JsonNode control = headers.get("control");
        if (control != null && control.asText().equals("snapshot-start")) {
          assertThat(kfPosition).as("keyframe inside a keyframe at %s", unitStart).isNull();
          kfPosition = unitStart;
          JsonNode asOf = headers.get("asOf");
          kfAsOf = asOf != null ? Offset.of(asOf.asText()) : unitStart;
          // As clients read it (docs/PROTOCOL.md 3.2): never after the position; a read from -1
          // names the start of the stream -1 whatever the server calls it.
          if (kfAsOf.compareTo(unitStart) > 0) kfAsOf = unitStart;
          kfTimestamp = ts != null ? ts.asText() : null;
        } else if (control != null && control.asText().equals("snapshot-end")) {
          assertThat(kfPosition).as("snapshot-end without start").isNotNull();
          keyframes.add(new KeyframeAt(kfPosition, kfAsOf, end, kfTimestamp));
          kfPosition = null;
        } else if (kfPosition == null && headers.get("operation") != null) {
          String operation = headers.get("operation").asText();
          changes.add(
              new ChangeAt(
                  unitStart,
                  effective,
                  message.get("type").asText(),
                  message.get("key").asText(),
                  operation.equals("delete") ? null : message.get("value")));
        }
      }
      tail = batch.nextOffset();
    }
  }

  /** The full replay: every change whose effective timestamp is at or before {@code time}. */
  Map<String, JsonNode> replayTo(String type, Instant time) {
    Map<String, JsonNode> state = new LinkedHashMap<>();
    for (ChangeAt change : changes) {
      if (change.effective().isAfter(time)) break;
      if (!change.type().equals(type)) continue;
      if (change.value() == null) state.remove(change.key());
      else state.put(change.key(), change.value());
    }
    return state;
  }

  /**
   * Asserts what a keyframer promises: keyframes in order, none inside or overlapping another, none
   * without a change since the one before (a duplicate), the first one empty and as of the start;
   * index entries in the order of their keyframes, each naming a keyframe of the stream with its
   * start offset and timestamp, none twice, and every keyframe listed.
   */
  void assertWellFormed() {
    assertKeyframesInOrder();
    assertThat(index).as("index entries, one per keyframe").hasSameSizeAs(keyframes);
  }

  /**
   * Keyframes in order, none inside or overlapping another, none without a change since the one
   * before, the first one the initial, empty one; the index a prefix of the keyframes, in order.
   */
  void assertKeyframesInOrder() {
    assertThat(keyframes).as("keyframes").isNotEmpty();
    KeyframeAt first = keyframes.get(0);
    assertThat(first.asOf()).isLessThanOrEqualTo(first.position());
    assertThat(first.timestamp()).as("the initial keyframe has no time").isNull();
    for (int i = 1; i < keyframes.size(); i++) {
      KeyframeAt before = keyframes.get(i - 1);
      KeyframeAt kf = keyframes.get(i);
      assertThat(kf.asOf())
          .as("asOf of keyframe %d after the end of the one before, in %s", i, keyframes)
          .isGreaterThanOrEqualTo(before.end());
      assertThat(kf.asOf()).isLessThanOrEqualTo(kf.position());
      boolean changed = false;
      for (ChangeAt change : changes) {
        if (change.unitStart().compareTo(before.asOf()) >= 0
            && change.unitStart().compareTo(kf.asOf()) < 0) {
          changed = true;
          break;
        }
      }
      assertThat(changed)
          .as("a change between keyframe %d and %d (else a duplicate)", i - 1, i)
          .isTrue();
    }
    assertThat(index.size())
        .as("index entries, at most one per keyframe")
        .isLessThanOrEqualTo(keyframes.size());
    for (int i = 0; i < index.size(); i++) {
      Entry entry = index.get(i);
      KeyframeAt kf = keyframes.get(i);
      if (kf.position().isStart()) {
        // The stream's first message: a reader from -1 calls its position -1, the keyframer,
        // which read the empty stream first, the offset the server gave for its start.
        assertThat(entry.position()).as("index entry %d of %s", i, index).isLessThan(kf.end());
      } else {
        assertThat(entry.position()).as("index entry %d of %s", i, index).isEqualTo(kf.position());
        assertThat(entry.asOf()).isEqualTo(kf.asOf());
      }
      assertThat(entry.timestamp()).isEqualTo(kf.timestamp());
    }
  }

  /** How many keyframes were appended after writes that their state is not as of (asOf before). */
  long keyframesWithChangesBetweenAsOfAndPosition() {
    return keyframes.stream().filter(kf -> !kf.asOf().equals(kf.position())).count();
  }
}
