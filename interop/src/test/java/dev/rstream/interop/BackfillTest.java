package dev.rstream.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import dev.rstream.durable.AppendOptions;
import dev.rstream.durable.DurableStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Back-filled history: 100,000 changes stamped across the past year, imported into a new state
 * stream in requests of 500, then {@code window(T)} at 50 random past times equals the replay. On
 * server-stub (which takes any timestamp not earlier than the stream's last, from its creation on)
 * and on the Node server through the keyframer.
 */
class BackfillTest {
  private static final int CHANGES = 100_000;
  private static final int PER_REQUEST = 500;
  private static final int KEYS = 500;
  private static final int CHANGES_PER_KEYFRAME = 1000;

  /** Requests the keyframes may lag behind the import: 2,000 changes. */
  private static final int PACE = 4;

  @TempDir Path dir;

  @Test
  void backfilledHistoryOnServerStubSeeksLikeTheReplay() throws Exception {
    try (StubUnderTest server = new StubUnderTest(dir)) {
      importAndSeek(server);
    }
  }

  @Test
  void backfilledHistoryOnTheNodeServerThroughTheKeyframerSeeksLikeTheReplay() throws Exception {
    try (NodeUnderTest server = new NodeUnderTest(dir)) {
      importAndSeek(server);
    }
  }

  private static void importAndSeek(ServerUnderTest server) throws Exception {
    String url = server.createStateStream("backfill/orders", CHANGES_PER_KEYFRAME);
    Instant now = Instant.now();
    Instant first = now.minus(Duration.ofDays(365));
    long step = Duration.ofDays(364).toMillis() / CHANGES;
    Random random = new Random(42);
    Instant[] times = new Instant[CHANGES];
    int[] keys = new int[CHANGES];
    int[] values = new int[CHANGES];
    DurableStream stream = DurableStream.builder().url(url).okHttpClient(server.http()).build();
    Offset last = null;
    List<String> request = new ArrayList<>(PER_REQUEST);
    List<Offset> written = new ArrayList<>();
    for (int i = 0; i < CHANGES; i++) {
      times[i] = first.plusMillis(i * step + random.nextInt((int) step));
      keys[i] = random.nextInt(KEYS);
      values[i] = random.nextInt(1_000_000);
      request.add(
          "{\"type\":\"order\",\"key\":\"k"
              + keys[i]
              + "\",\"value\":{\"v\":"
              + values[i]
              + "},\"headers\":{\"operation\":\"update\",\"timestamp\":\""
              + times[i]
              + "\"}}");
      if (request.size() == PER_REQUEST) {
        last =
            stream
                .appendJsonBatch(request, AppendOptions.none())
                .timeout(60, TimeUnit.SECONDS)
                .blockingGet()
                .nextOffset();
        request.clear();
        written.add(last);
        // An import goes at the pace of whoever writes the keyframes: a keyframe's asOf must
        // follow the end of the one before, so a keyframer far behind the tail can write only
        // one keyframe for all it has to catch up on (one window of many changes).
        if (written.size() > PACE)
          keyframedUpTo(server, url, written.get(written.size() - 1 - PACE));
      }
    }
    // Most keyframes in the index: window(T) then reads one window, not the whole year.
    Index.await(server.http(), url, CHANGES / CHANGES_PER_KEYFRAME / 2);
    server.assertHealthy();
    try (RStreamClient client =
        RStreamClient.builder().streamUrl(url).okHttpClient(server.http()).build()) {
      client.awaitOffset(last, 60, TimeUnit.SECONDS).blockingAwait();
      List<Instant> samples = new ArrayList<>(List.of(first.minusSeconds(1)));
      while (samples.size() < 50) {
        samples.add(
            first.plusMillis((long) (random.nextDouble() * Duration.ofDays(365).toMillis())));
      }
      for (Instant time : samples) {
        StateView view = client.window(time).timeout(60, TimeUnit.SECONDS).blockingLast();
        assertThat(EndToEndSuite.values(view))
            .as("state at %s", time)
            .isEqualTo(replay(times, keys, values, time));
      }
    }
  }

  /** Waits until the index names a keyframe as of {@code offset} or later. */
  private static void keyframedUpTo(ServerUnderTest server, String url, Offset offset)
      throws InterruptedException {
    Poll.until(
        "a keyframe as of " + offset,
        () -> {
          List<JsonNode> entries = Index.entries(server.http(), url);
          if (entries.isEmpty()) return false;
          String asOf = entries.get(entries.size() - 1).get("offset").asText();
          return Offset.of(asOf).compareTo(offset) >= 0;
        });
  }

  /** Every change stamped at or before {@code time} (the import's times only go forward). */
  private static Map<String, JsonNode> replay(
      Instant[] times, int[] keys, int[] values, Instant time) {
    int end = Arrays.binarySearch(times, time);
    if (end < 0) end = -end - 1;
    else while (end < times.length && !times[end].isAfter(time)) end++;
    Map<String, JsonNode> state = new HashMap<>();
    for (int i = 0; i < end; i++) {
      state.put("k" + keys[i], EndToEndSuite.MAPPER.createObjectNode().put("v", values[i]));
    }
    return state;
  }
}
