package dev.rstream.interop;

import com.fasterxml.jackson.databind.JsonNode;
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
 * The full replay of a stream read whole without the client under test: every change in stream
 * order with its effective timestamp ({@code max(own, previous)}, docs/PROTOCOL.md 3.1), keyframes
 * skipped. What writers with skewed clocks are checked against.
 */
final class EffectiveReplay {
  /** One change: its own timestamp, its effective one, and what it does. */
  record ChangeAt(
      Instant own, Instant effective, String type, String key, @Nullable JsonNode value) {}

  final List<ChangeAt> changes = new ArrayList<>();

  static EffectiveReplay read(OkHttpClient http, String url) {
    EffectiveReplay replay = new EffectiveReplay();
    List<JsonNode> messages =
        DurableStream.builder()
            .url(url)
            .okHttpClient(http)
            .build()
            .read(ReadOptions.builder().liveMode(LiveMode.OFF).build(), MessageDecoder.jsonNode())
            .concatMapIterable(ReadBatch::messages)
            .toList()
            .timeout(60, TimeUnit.SECONDS)
            .blockingGet();
    Instant effective = Instant.EPOCH;
    boolean inKeyframe = false;
    for (JsonNode message : messages) {
      JsonNode headers = message.get("headers");
      JsonNode ts = headers.get("timestamp");
      Instant own = ts != null ? Instant.parse(ts.asText()) : effective;
      if (own.isAfter(effective)) effective = own;
      JsonNode control = headers.get("control");
      if (control != null) {
        if (control.asText().equals("snapshot-start")) inKeyframe = true;
        if (control.asText().equals("snapshot-end")) inKeyframe = false;
        continue;
      }
      if (inKeyframe) continue;
      boolean delete = headers.get("operation").asText().equals("delete");
      replay.changes.add(
          new ChangeAt(
              own,
              effective,
              message.get("type").asText(),
              message.get("key").asText(),
              delete ? null : message.get("value")));
    }
    return replay;
  }

  /**
   * The state of {@code type} at {@code time}: every change with an effective time at or before.
   */
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
}
