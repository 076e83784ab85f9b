package dev.rstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * What a server holds for a stream, read with plain HTTP catch-up reads (no SDK code): the values
 * of its change messages, in stream order.
 */
final class ServerLog {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ServerLog() {}

  /** The {@code value} of every change message (keyframe inserts excluded), in order. */
  static List<String> values(OkHttpClient http, String url) throws IOException {
    List<String> values = new ArrayList<>();
    String offset = "-1";
    boolean inKeyframe = false;
    while (true) {
      Request request = new Request.Builder().url(url + "?offset=" + offset).build();
      try (Response response = http.newCall(request).execute()) {
        if (response.code() != 200) throw new IOException("GET " + url + ": " + response.code());
        JsonNode messages = MAPPER.readTree(response.body().string());
        for (JsonNode message : messages) {
          JsonNode headers = message.path("headers");
          String control = headers.path("control").asText("");
          if (control.equals("snapshot-start")) inKeyframe = true;
          if (control.equals("snapshot-end")) inKeyframe = false;
          if (!inKeyframe && headers.has("operation")) values.add(message.path("value").toString());
        }
        String next = response.header("Stream-Next-Offset");
        boolean upToDate = "true".equals(response.header("Stream-Up-To-Date"));
        if (next == null || next.equals(offset) || upToDate || messages.size() == 0) return values;
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
