package dev.rstream.server.workload;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.server.StubServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workload against a real server-stub: continuing a stream, and living through restarts. */
class WorkloadEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** After the streams' creation: server-stub refuses changes stamped before it. */
  private static final Instant START =
      Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);

  private final HttpClient http = HttpClient.newHttpClient();
  private @Nullable StubServer server;

  @AfterEach
  void stopServer() {
    if (server != null) server.close();
  }

  @Test
  void aSecondWorkloadContinuesTheStreamInsteadOfInsertingItsKeysAgain() throws Exception {
    server = StubServer.builder().memory().build().start();
    URI url = URI.create(server.streamUrl("orders"));

    workload(url, 1, 80, START).run();
    workload(url, 2, 80, START.plusSeconds(3_600)).run();

    assertThat(replay(readAll(url))).isEqualTo(160);
  }

  @Test
  void aServerDownAtTheStartIsWaitedFor() throws Exception {
    Connections refusing = Connections.dropping();
    URI url = URI.create("http://127.0.0.1:" + refusing.port() + "/v1/stream/orders");
    CompletableFuture<Long> run = runInBackground(workload(url, 3, 20, START));

    refusing.awaitAttempt();
    refusing.close();
    server = StubServer.builder().memory().port(refusing.port()).build().start();

    assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(20);
    assertThat(replay(readAll(url))).isEqualTo(20);
  }

  @Test
  void aServerRestartMidRunLosesNoChangeAndDuplicatesNone(@TempDir Path data) throws Exception {
    server = StubServer.builder().dataDir(data).build().start();
    int port = server.port();
    URI url = URI.create(server.streamUrl("orders"));
    Workload w =
        Workload.builder()
            .streamUrl(url)
            .seed(4)
            .count(300)
            .rate(400)
            .simulatedClock(START, Duration.ofSeconds(1))
            .keyframePolicy("changes=50, interval=60s")
            .build();
    CompletableFuture<Long> run = runInBackground(w);
    awaitChanges(url, 50);

    server.close();
    server = null;
    // Down for as long as it takes the workload to try at least once.
    Connections down = Connections.dropping(port);
    down.awaitAttempt();
    down.close();
    server = StubServer.builder().dataDir(data).port(port).build().start();

    assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(300);
    assertThat(replay(readAll(url))).isEqualTo(300);
  }

  private static Workload workload(URI url, long seed, int count, Instant start) {
    return Workload.builder()
        .streamUrl(url)
        .seed(seed)
        .count(count)
        .rate(5_000)
        .simulatedClock(start, Duration.ofSeconds(1))
        .keyframePolicy("changes=25, interval=60s")
        .build();
  }

  private static CompletableFuture<Long> runInBackground(Workload w) {
    CompletableFuture<Long> result = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                result.complete(w.run());
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            },
            "workload");
    t.setDaemon(true);
    t.start();
    return result;
  }

  /**
   * Applies the stream's changes (keyframes skipped: they repeat the state) and checks each is
   * valid against the state so far: inserts of new keys only, updates and deletes of existing ones.
   * Returns the number of changes.
   */
  private static int replay(List<JsonNode> messages) {
    Set<String> live = new HashSet<>();
    boolean inKeyframe = false;
    int changes = 0;
    for (JsonNode m : messages) {
      JsonNode headers = m.path("headers");
      String control = headers.path("control").asText("");
      if (control.equals("snapshot-start")) inKeyframe = true;
      if (control.equals("snapshot-end")) inKeyframe = false;
      if (inKeyframe || !headers.has("operation")) continue;
      String id = m.get("type").asText() + "/" + m.get("key").asText();
      String op = headers.get("operation").asText();
      switch (op) {
        case "insert" ->
            assertThat(live.add(id)).as("change %d inserts a new %s", changes, id).isTrue();
        case "update" ->
            assertThat(live).as("change %d updates a live %s", changes, id).contains(id);
        case "delete" ->
            assertThat(live.remove(id)).as("change %d deletes a live %s", changes, id).isTrue();
        default -> throw new AssertionError("operation " + op);
      }
      changes++;
    }
    return changes;
  }

  private List<JsonNode> readAll(URI url) throws IOException, InterruptedException {
    return readAll(url, false);
  }

  /** The stream's messages; none when {@code mayBeMissing} and it does not exist (yet). */
  private List<JsonNode> readAll(URI url, boolean mayBeMissing)
      throws IOException, InterruptedException {
    List<JsonNode> out = new ArrayList<>();
    String offset = "-1";
    while (true) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          url + "?offset=" + URLEncoder.encode(offset, StandardCharsets.UTF_8)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (mayBeMissing && r.statusCode() == 404) return out;
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JSON.readTree(r.body()).forEach(out::add);
      offset = r.headers().firstValue("Stream-Next-Offset").orElseThrow();
      if (r.headers().firstValue("Stream-Up-To-Date").isPresent()) return out;
    }
  }

  private void awaitChanges(URI url, int changes) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (readAll(url, true).stream().filter(m -> m.path("headers").has("operation")).count()
        < changes) {
      assertThat(System.nanoTime()).as("%d changes within 30 s", changes).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  /** A port that takes connections and closes them at once: a server on its way down or up. */
  private static final class Connections implements AutoCloseable {
    private final ServerSocket socket;
    private final CompletableFuture<Void> attempted = new CompletableFuture<>();

    private Connections(ServerSocket socket) {
      this.socket = socket;
      Thread t =
          new Thread(
              () -> {
                while (!socket.isClosed()) {
                  try (Socket s = socket.accept()) {
                    attempted.complete(null);
                  } catch (IOException e) {
                    // Closed: done.
                  }
                }
              },
              "dropping-connections");
      t.setDaemon(true);
      t.start();
    }

    static Connections dropping() throws IOException {
      return dropping(0);
    }

    static Connections dropping(int port) throws IOException {
      ServerSocket socket = new ServerSocket();
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return new Connections(socket);
    }

    int port() {
      return socket.getLocalPort();
    }

    /** Waits until a client has connected (and been dropped) at least once. */
    void awaitAttempt() throws Exception {
      attempted.get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
