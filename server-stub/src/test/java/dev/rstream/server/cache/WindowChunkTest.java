package dev.rstream.server.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rstream.server.StubServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A catch-up chunk of a state stream ends where the next keyframe starts, so a window read from its
 * keyframe fetches that window and nothing of the next (docs/PROTOCOL.md 3.3), and the cut is as
 * deterministic as any other chunk boundary (CACHING.md).
 */
class WindowChunkTest extends CacheTestServer {
  private static final AtomicInteger names = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    // The default read size (1 MiB) holds many windows of 20 changes: only keyframes cut reads.
    startServer(
        StubServer.builder()
            .keyframeChanges(20)
            .keyframeInterval(Duration.ofHours(1))
            // The index is polled until it lists enough keyframes: keep each wait short.
            .longPollTimeout(Duration.ofSeconds(1)));
  }

  private static String create(String path, String contentType, boolean state) {
    Request.Builder request =
        new Request.Builder()
            .url(server.streamUrl(path))
            .put(RequestBody.create("", MediaType.get(contentType)));
    if (state) request.header("Rstream-Keyframes", "changes=20, interval=3600s");
    assertThat(call(request.build()).code()).isEqualTo(201);
    return path;
  }

  private static String change(int i) {
    return "{\"type\":\"item\",\"key\":\"k"
        + (i % 7)
        + "\",\"value\":"
        + i
        + ",\"headers\":{\"operation\":\"update\"}}";
  }

  /** A state stream with a keyframe every 20 changes, and {@code changes} changes in it. */
  private static String stateStream(int changes) {
    String path = create("windows/s" + names.incrementAndGet(), "application/json", true);
    for (int i = 0; i < changes; i++) post(path, change(i));
    return path;
  }

  private static List<String> controls(Reply reply) throws IOException {
    List<String> controls = new ArrayList<>();
    for (JsonNode message : reply.messages()) {
      JsonNode control = message.path("headers").path("control");
      if (!control.isMissingNode()) controls.add(control.asText());
    }
    return controls;
  }

  private static int indexOfControl(Reply reply, String control) throws IOException {
    JsonNode messages = reply.messages();
    for (int i = 0; i < messages.size(); i++) {
      if (control.equals(messages.get(i).path("headers").path("control").asText())) return i;
    }
    return -1;
  }

  @Test
  void readFromAKeyframeEndsWhereTheNextKeyframeStarts() throws IOException {
    String path = stateStream(90);
    List<String> keyframes = keyframes(path, 3);

    Reply window = get(path + "?offset=" + keyframes.get(1));

    assertThat(window.code()).isEqualTo(200);
    assertThat(window.header("Stream-Next-Offset")).isEqualTo(keyframes.get(2));
    assertThat(window.headers().get("Stream-Up-To-Date")).isNull();
    assertThat(window.header("Cache-Control")).isEqualTo(IMMUTABLE);
    // Its own keyframe whole, then its 20 changes; nothing of the next keyframe.
    assertThat(controls(window)).containsExactly("snapshot-start", "snapshot-end");
    assertThat(window.messages().get(0).path("headers").path("control").asText())
        .isEqualTo("snapshot-start");
  }

  @Test
  void readFromInsideAWindowEndsWhereTheNextKeyframeStarts() throws IOException {
    String path = stateStream(90);
    List<String> keyframes = keyframes(path, 3);
    Reply window = get(path + "?offset=" + keyframes.get(1));
    // The offset after the window's third change: a resume point inside the window.
    int keyframeEnd = controls(window).size() == 2 ? indexOfControl(window, "snapshot-end") : -1;
    assertThat(keyframeEnd).isPositive();
    int third = keyframeEnd + 3;
    String inside = window.messages().get(third).path("headers").path("offset").asText();
    assertThat(inside).isGreaterThan(keyframes.get(1)).isLessThan(keyframes.get(2));

    Reply rest = get(path + "?offset=" + inside);

    assertThat(rest.header("Stream-Next-Offset")).isEqualTo(keyframes.get(2));
    assertThat(controls(rest)).isEmpty();
    assertThat(rest.messages().size()).isEqualTo(window.messages().size() - third - 1);
  }

  @Test
  void readFromTheLastKeyframeReachesTheTail() throws IOException {
    // 25 changes: the second keyframe follows at least 20 of them, so no third one can follow.
    String path = stateStream(25);
    List<String> keyframes = keyframes(path, 2);

    Reply live = get(path + "?offset=" + keyframes.get(keyframes.size() - 1));

    assertThat(live.header("Stream-Up-To-Date")).isEqualTo("true");
    assertThat(controls(live)).containsExactly("snapshot-start", "snapshot-end");
  }

  @Test
  void windowChunksAreTheSameOnEveryReadAndAfterMoreAppends() throws IOException {
    String path = stateStream(90);
    keyframes(path, 3);
    List<Reply> first = chunksToTail(path);
    // Keyframes are written on their own thread, so how many there are varies; each chunk ends at
    // one of them (or at the tail).
    assertThat(first).as("one chunk per window").hasSizeGreaterThanOrEqualTo(3);
    List<String> index = keyframes(path, first.size());
    for (int i = 0; i < first.size() - 1; i++) {
      assertThat(index).contains(first.get(i).header("Stream-Next-Offset"));
    }
    for (int i = 0; i < 10; i++) post(path, change(100 + i));
    assertChunksUnchanged(path, first);
  }

  @Test
  void plainStreamIsNotCutAtSnapshotControls() throws IOException {
    // Not a state stream: the conventions, chunk cuts included, do not apply
    // (docs/PROTOCOL.md 3.0).
    String path = create("windows/plain" + names.incrementAndGet(), "application/json", false);
    for (int unit = 0; unit < 3; unit++) {
      post(
          path,
          "[{\"headers\":{\"control\":\"snapshot-start\"}},{\"headers\":{\"control\":\"snapshot-end\"}}]");
      post(path, change(unit));
    }

    Reply all = get(path + "?offset=-1");

    assertThat(all.header("Stream-Up-To-Date")).isEqualTo("true");
    assertThat(all.messages().size()).isEqualTo(9);
  }
}
