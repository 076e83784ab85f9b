package dev.rstream.server;

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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole server, not just its store, killed with SIGKILL while clients append over HTTP: every
 * append it acknowledged with a 2xx is in the log after a restart, exactly once, and the log is
 * readable to its end.
 */
class ServerKillTest {
  private static final MediaType JSON = MediaType.get("application/json");
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int WRITERS = 4;
  private static final int ROUNDS = 3;
  private static final int ACKS_BEFORE_KILL = 200;

  private final OkHttpClient http =
      new OkHttpClient.Builder().retryOnConnectionFailure(false).build();

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void killedServerRestartsWithEveryAcknowledgedAppend(@TempDir Path data) throws Exception {
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    String path = "crash/orders";
    for (int round = 0; round < ROUNDS; round++) {
      Process server = startServer(data);
      try {
        String base = readUrl(server);
        if (round == 0) {
          try (Response created =
              http.newCall(
                      new Request.Builder()
                          .url(base + "/v1/stream/" + path)
                          .put(RequestBody.create(new byte[0], JSON))
                          .build())
                  .execute()) {
            assertThat(created.code()).isEqualTo(201);
          }
        }
        assertLogHoldsExactlyOnce(base + "/v1/stream/" + path, acknowledged);
        appendUntilKilled(server, base + "/v1/stream/" + path, round, acknowledged);
      } finally {
        server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    Process server = startServer(data);
    try {
      assertLogHoldsExactlyOnce(readUrl(server) + "/v1/stream/" + path, acknowledged);
    } finally {
      server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(ROUNDS * ACKS_BEFORE_KILL);
  }

  /** Writers append numbered messages; once enough are acknowledged, the server gets SIGKILL. */
  private void appendUntilKilled(Process server, String url, int round, Set<String> acknowledged)
      throws InterruptedException {
    CountDownLatch enough = new CountDownLatch(ACKS_BEFORE_KILL);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
    for (int w = 0; w < WRITERS; w++) {
      int writer = w;
      writers.execute(
          () -> {
            for (int i = 0; !stop.get(); i++) {
              String id = round + "-" + writer + "-" + i;
              // Two messages per POST: a unit must come back whole or not at all.
              String body =
                  "[{\"id\":\"" + id + "\",\"part\":0},{\"id\":\"" + id + "\",\"part\":1}]";
              Request request =
                  new Request.Builder().url(url).post(RequestBody.create(body, JSON)).build();
              try (Response response = http.newCall(request).execute()) {
                if (response.isSuccessful()) {
                  acknowledged.add(id);
                  enough.countDown();
                }
              } catch (IOException killed) {
                return;
              }
            }
          });
    }
    assertThat(enough.await(60, TimeUnit.SECONDS)).as("acknowledged appends").isTrue();
    server.destroyForcibly();
    assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
    stop.set(true);
    writers.shutdown();
    assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * Reads the stream from the start to its tail and checks every acknowledged unit is there once.
   */
  private void assertLogHoldsExactlyOnce(String url, Set<String> acknowledged) throws IOException {
    Map<String, List<Integer>> parts = new HashMap<>();
    String offset = "-1";
    while (true) {
      try (Response response =
          http.newCall(new Request.Builder().url(url + "?offset=" + offset).build()).execute()) {
        assertThat(response.code()).isEqualTo(200);
        for (JsonNode message : MAPPER.readTree(response.body().bytes())) {
          parts
              .computeIfAbsent(message.get("id").asText(), k -> new ArrayList<>())
              .add(message.get("part").asInt());
        }
        String next = response.header("Stream-Next-Offset");
        assertThat(next).isNotNull();
        if ("true".equals(response.header("Stream-Up-To-Date"))) break;
        offset = next;
      }
    }
    for (String id : acknowledged) {
      assertThat(parts.get(id)).as("acknowledged unit %s", id).containsExactly(0, 1);
    }
    // Unacknowledged units may or may not have landed, but never in part or twice.
    parts.forEach((id, got) -> assertThat(got).as("unit %s", id).containsExactly(0, 1));
  }

  private static Process startServer(Path data) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            ServerMain.class.getName(),
            "--port",
            "0",
            "--data",
            data.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  /** ServerMain prints its base URL on a line of its own once it accepts connections. */
  private static String readUrl(Process server) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("http://")) return line.trim();
    }
    throw new AssertionError("server exited before printing its URL: " + server.exitValue());
  }
}
