package dev.rstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * What a server holds for a stream, read with plain HTTP catch-up reads (no SDK code): the values
 * of its change messages, in stream order, and the keyframe it starts with.
 */
final class ServerLog {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ServerLog() {}

  /** The {@code value} of every change message (keyframe inserts excluded), in order. */
  static List<String> values(OkHttpClient http, String url) throws IOException {
    List<String> values = new ArrayList<>();
    boolean inKeyframe = false;
    for (JsonNode message : messages(http, url)) {
      String control = message.path("headers").path("control").asText("");
      if (control.equals("snapshot-start")) inKeyframe = true;
      if (control.equals("snapshot-end")) inKeyframe = false;
      if (!inKeyframe && message.path("headers").has("operation")) {
        values.add(message.path("value").toString());
      }
    }
    return values;
  }

  /** What a read from {@code -1} starts with, a keyframe, and the changes after it. */
  static final class FromFirstKeyframe {
    /** The first keyframe's entities of {@code type}: key to value (JSON text). */
    final Map<String, String> keyframe = new LinkedHashMap<>();

    /** The {@code value} of every change message after it (later keyframes' inserts excluded). */
    final List<String> changes = new ArrayList<>();
  }

  /**
   * The first keyframe of a read from {@code -1} (with retention, the oldest keyframe the server
   * still serves), its entities of {@code type}, and the changes after it.
   *
   * @throws AssertionError if the read does not start with a keyframe.
   */
  static FromFirstKeyframe fromFirstKeyframe(OkHttpClient http, String url, String type)
      throws IOException {
    FromFirstKeyframe log = new FromFirstKeyframe();
    List<JsonNode> messages = messages(http, url);
    if (messages.isEmpty()
        || !messages.get(0).path("headers").path("control").asText("").equals("snapshot-start")) {
      throw new AssertionError("a read of " + url + " from -1 does not start with a keyframe");
    }
    int keyframes = 0;
    boolean inKeyframe = false;
    for (JsonNode message : messages) {
      String control = message.path("headers").path("control").asText("");
      if (control.equals("snapshot-start")) {
        inKeyframe = true;
        keyframes++;
      }
      if (control.equals("snapshot-end")) inKeyframe = false;
      if (!message.path("headers").has("operation")) continue;
      if (!inKeyframe) {
        log.changes.add(message.path("value").toString());
      } else if (keyframes == 1 && message.path("type").asText().equals(type)) {
        log.keyframe.put(message.path("key").asText(), message.path("value").toString());
      }
    }
    return log;
  }

  /**
   * The change messages after the last keyframe of a read from {@code -1}: while they are fewer
   * than a {@code changes=N} keyframe policy's N, the server has no keyframe left to write.
   */
  static int changesAfterLastKeyframe(OkHttpClient http, String url) throws IOException {
    int changes = 0;
    boolean inKeyframe = false;
    for (JsonNode message : messages(http, url)) {
      String control = message.path("headers").path("control").asText("");
      if (control.equals("snapshot-start")) inKeyframe = true;
      if (control.equals("snapshot-end")) {
        inKeyframe = false;
        changes = 0;
      }
      if (!inKeyframe && message.path("headers").has("operation")) changes++;
    }
    return changes;
  }

  /** Every message from {@code -1} to the tail, by catch-up reads. */
  private static List<JsonNode> messages(OkHttpClient http, String url) throws IOException {
    List<JsonNode> all = new ArrayList<>();
    String offset = "-1";
    while (true) {
      Request request = new Request.Builder().url(url + "?offset=" + offset).build();
      try (Response response = http.newCall(request).execute()) {
        if (response.code() != 200) throw new IOException("GET " + url + ": " + response.code());
        JsonNode messages = MAPPER.readTree(response.body().string());
        messages.forEach(all::add);
        String next = response.header("Stream-Next-Offset");
        boolean upToDate = "true".equals(response.header("Stream-Up-To-Date"));
        if (next == null || next.equals(offset) || upToDate || messages.size() == 0) return all;
        offset = next;
      }
    }
  }

  /** {@code {"n":from}} up to {@code {"n":to-1}}: what the crash children append. */
  static List<String> numbered(int from, int to) {
    List<String> values = new ArrayList<>();
    for (int i = from; i < to; i++) values.add("{\"n\":" + i + "}");
    return values;
  }
}
