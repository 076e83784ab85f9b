package dev.rstream.server.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Reads an existing state stream's changes into an {@link OrderBook}, page by page from its start,
 * so that a workload continues the stream's state instead of contradicting it. Keyframes are
 * skipped: read from the start, the changes alone make the state, and a keyframe only repeats it.
 *
 * <p>Threading: one read at a time, on the calling thread.
 */
final class StreamChangesReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StreamChangesReader() {}

  /**
   * Reads the whole stream at {@code streamUrl} into {@code book}; returns how many changes it
   * applied.
   *
   * @throws IOException when a read is refused (see {@link Workload#failure}) or gets no answer
   */
  static long read(RetryingHttp http, URI streamUrl, OrderBook book)
      throws IOException, InterruptedException {
    String offset = "-1";
    boolean inKeyframe = false;
    long changes = 0;
    while (true) {
      URI page =
          URI.create(streamUrl + "?offset=" + URLEncoder.encode(offset, StandardCharsets.UTF_8));
      HttpResponse<String> response =
          http.send(HttpRequest.newBuilder(page).timeout(Duration.ofSeconds(30)).GET().build());
      if (response.statusCode() != 200) throw Workload.failure(streamUrl, response);
      JsonNode messages = JSON.readTree(response.body());
      for (JsonNode m : messages) {
        JsonNode headers = m.path("headers");
        String control = headers.path("control").asText("");
        if (control.equals("snapshot-start")) inKeyframe = true;
        else if (control.equals("snapshot-end")) inKeyframe = false;
        else if (control.equals("reset")) book.clear();
        else if (!inKeyframe && headers.hasNonNull("operation")) {
          JsonNode value = m.get("value");
          book.observe(
              m.path("type").asText(),
              m.path("key").asText(),
              headers.path("operation").asText(),
              value instanceof ObjectNode ? (ObjectNode) value : null);
          changes++;
        }
      }
      String next = response.headers().firstValue("Stream-Next-Offset").orElse(null);
      boolean upToDate =
          response
              .headers()
              .firstValue("Stream-Up-To-Date")
              .map("true"::equalsIgnoreCase)
              .orElse(false);
      if (next == null || upToDate || messages.isEmpty() || next.equals(offset)) break;
      offset = next;
    }
    return changes;
  }
}
