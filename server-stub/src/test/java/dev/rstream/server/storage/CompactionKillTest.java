package dev.rstream.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * server-stub killed with SIGKILL in the middle of a compaction (after the compacted copy is
 * durable, and after it replaced the stream's file), while a writer appends: appends are
 * acknowledged while the compaction copies, and after a restart every acknowledged change that
 * retention did not drop (those acknowledged during the copy too) is served, once and in order, the
 * stream begins with a whole keyframe, and its state holds every acknowledged change.
 */
class CompactionKillTest {
  private static final MediaType JSON = MediaType.get("application/json");
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int KEYS = 5;

  private static final int APPENDS_DURING_COPY = 3;

  private volatile String lastAnswer = "none";

  /** The writer's last acknowledged change, guarded by itself; waited on. */
  private final int[] lastAcknowledged = {-1};

  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .retryOnConnectionFailure(false)
          .readTimeout(60, TimeUnit.SECONDS)
          .build();

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void killedDuringCompactionServesEveryAcknowledgedChangeRetentionKept(@TempDir Path data)
      throws Exception {
    String path = "compacting/orders";
    ExecutorService threads = Executors.newCachedThreadPool();
    int acknowledged = -1;
    for (String step : List.of(LogCompaction.Hook.COPIED, LogCompaction.Hook.RENAMED)) {
      Process server = start(data, step);
      try {
        Output out = new Output(server, threads);
        String url = out.url.get(60, TimeUnit.SECONDS) + "/v1/stream/" + path;
        if (acknowledged < 0) create(url);
        CompletableFuture<String> paused = out.compaction;
        // A restart may drop windows (and compact) before it serves: then there is nothing to read.
        int next = paused.isDone() ? acknowledged + 1 : checkLog(url, acknowledged) + 1;
        int before = acknowledged;
        synchronized (lastAcknowledged) {
          lastAcknowledged[0] = before;
        }
        // The writer's last request hangs while the compaction holds the store: it ends with
        // the kill, unacknowledged.
        CompletableFuture<Integer> writer =
            CompletableFuture.supplyAsync(() -> appendUntil(url, next, paused, before), threads);
        // The compactor is held in its copy: the writer's appends go on and are acknowledged.
        assertThat(out.copying.get(60, TimeUnit.SECONDS)).isEqualTo("COMPACTION copying");
        int atCopy = lastAcknowledged();
        awaitAcknowledged(atCopy + APPENDS_DURING_COPY);
        out.release(server);
        try {
          CompletableFuture.anyOf(paused, writer).get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          throw new AssertionError("no compaction; writer's last answer: " + lastAnswer, e);
        }
        assertThat(paused.isDone()).as("held in the compaction; writer: %s", lastAnswer).isTrue();
        assertThat(paused.get()).isEqualTo("COMPACTION " + step);
        server.destroyForcibly();
        acknowledged = writer.get(60, TimeUnit.SECONDS);
        assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
      } finally {
        server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    Process server = start(data, "");
    try {
      String url = new Output(server, threads).url.get(60, TimeUnit.SECONDS) + "/v1/stream/" + path;
      checkLog(url, acknowledged);
    } finally {
      server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      threads.shutdownNow();
    }
  }

  private void create(String url) throws IOException {
    Request put =
        new Request.Builder()
            .url(url)
            .header("Rstream-Keyframes", "changes=20, interval=3600s")
            .header("Rstream-Retention", "windows=2")
            .put(RequestBody.create(new byte[0], JSON))
            .build();
    try (Response created = http.newCall(put).execute()) {
      assertThat(created.code()).isEqualTo(201);
    }
  }

  /**
   * Appends change after change until the server stops answering (its writer is held in the
   * compaction); returns the last change it acknowledged.
   */
  private int appendUntil(
      String url, int from, CompletableFuture<String> paused, int acknowledged) {
    for (int n = from; !paused.isDone(); n++) {
      String body =
          "{\"type\":\"item\",\"key\":\"k"
              + (n % KEYS)
              + "\",\"value\":{\"n\":"
              + n
              + ",\"pad\":\""
              + "p".repeat(200)
              + "\"},\"headers\":{\"operation\":\"update\"}}";
      Request post = new Request.Builder().url(url).post(RequestBody.create(body, JSON)).build();
      try (Response response = http.newCall(post).execute()) {
        lastAnswer = n + ": " + response.code() + " " + response.body().string();
        if (!response.isSuccessful()) return acknowledged;
        acknowledged = n;
        synchronized (lastAcknowledged) {
          lastAcknowledged[0] = n;
          lastAcknowledged.notifyAll();
        }
      } catch (IOException killedOrHeld) {
        lastAnswer = n + " (from " + from + "): " + killedOrHeld;
        return acknowledged;
      }
    }
    return acknowledged;
  }

  private int lastAcknowledged() {
    synchronized (lastAcknowledged) {
      return lastAcknowledged[0];
    }
  }

  /** Waits until the writer acknowledged change {@code n}, for at most a minute. */
  private void awaitAcknowledged(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    synchronized (lastAcknowledged) {
      while (lastAcknowledged[0] < n) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new AssertionError(
              "no append acknowledged during the compaction's copy; writer: " + lastAnswer);
        }
        lastAcknowledged.wait(left);
      }
    }
  }

  /**
   * Reads the stream from -1: it begins with a whole keyframe, then the changes after it, numbered
   * without a gap or a repeat up to at least {@code acknowledged}; the keyframe's state plus those
   * changes is the state after every change up to the last one. Returns the last change's number.
   */
  private int checkLog(String url, int acknowledged) throws IOException {
    List<JsonNode> messages = new ArrayList<>();
    String offset = "-1";
    while (true) {
      try (Response response =
          http.newCall(new Request.Builder().url(url + "?offset=" + offset).build()).execute()) {
        assertThat(response.code()).isEqualTo(200);
        MAPPER.readTree(response.body().bytes()).forEach(messages::add);
        offset = response.header("Stream-Next-Offset");
        if ("true".equals(response.header("Stream-Up-To-Date"))) break;
      }
    }
    assertThat(messages.get(0).path("headers").path("control").asText())
        .isEqualTo("snapshot-start");
    Map<String, Integer> state = new HashMap<>();
    int previous = Integer.MIN_VALUE;
    boolean inKeyframe = false;
    for (JsonNode m : messages) {
      String control = m.path("headers").path("control").asText("");
      if (control.equals("snapshot-start")) {
        inKeyframe = true;
        state.clear();
      } else if (control.equals("snapshot-end")) {
        inKeyframe = false;
      } else if (m.has("key")) {
        int n = m.get("value").get("n").asInt();
        if (!inKeyframe) {
          if (previous != Integer.MIN_VALUE)
            assertThat(n).as("change after %d", previous).isEqualTo(previous + 1);
          previous = n;
        }
        state.put(m.get("key").asText(), n);
      }
    }
    int last = state.values().stream().max(Integer::compare).orElse(-1);
    assertThat(last).as("last change served").isGreaterThanOrEqualTo(acknowledged);
    for (int k = 0; k < KEYS; k++) {
      int expected = last - Math.floorMod(last - k, KEYS);
      if (expected >= 0) assertThat(state).containsEntry("k" + k, expected);
    }
    return last;
  }

  private static Process start(Path data, String pauseAt) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            CompactionKillServer.class.getName(),
            data.toString(),
            pauseAt)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  /**
   * The child's output, line by line: its URL, the copy it holds until {@link #release}, and the
   * compaction step it stopped at for good.
   */
  private static final class Output {
    final CompletableFuture<String> url = new CompletableFuture<>();
    final CompletableFuture<String> copying = new CompletableFuture<>();
    final CompletableFuture<String> compaction = new CompletableFuture<>();

    Output(Process server, ExecutorService threads) {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      threads.execute(
          () -> {
            try {
              for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("http://")) url.complete(line.trim());
                if (line.trim().equals("COMPACTION " + LogCompaction.Hook.COPYING)) {
                  copying.complete(line.trim());
                } else if (line.startsWith("COMPACTION ")) {
                  compaction.complete(line.trim());
                }
              }
            } catch (IOException e) {
              // The process was killed.
            }
            url.completeExceptionally(new AssertionError("server exited before its URL"));
            copying.complete("<exited>");
            compaction.complete("<exited>");
          });
    }

    /** Lets the child's compaction go on from its copy. */
    void release(Process server) throws IOException {
      server.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
      server.getOutputStream().flush();
    }
  }
}
