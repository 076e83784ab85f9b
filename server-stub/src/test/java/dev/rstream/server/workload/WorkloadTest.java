package dev.rstream.server.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.rstream.server.state.Rfc3339;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The demo workload against a recording HTTP server on a real socket; time is virtual. */
class WorkloadTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the server received, and the virtual time it arrived at. */
  record Received(
      String method,
      String path,
      String policy,
      String contentType,
      String body,
      long atNanos,
      String producer) {}

  /** Scripted answer to a POST attempt: drop the connection without an answer. */
  private static final int DROP = -1;

  private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private final VirtualPacer pacer = new VirtualPacer();
  private final AtomicInteger failAt = new AtomicInteger(-1);
  private final AtomicInteger posts = new AtomicInteger();

  /** Answers for the next POST attempts, in order; then 204. */
  private final BlockingQueue<Integer> postAnswers = new LinkedBlockingQueue<>();

  private HttpServer server;
  private ExecutorService serverThreads;
  private URI url;

  /** Sleeping moves virtual time to the deadline at once. */
  static final class VirtualPacer implements Pacer {
    final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Override
    public long nanoTime() {
      return now.get();
    }

    @Override
    public void sleepUntil(long deadline) {
      now.accumulateAndGet(deadline, Math::max);
    }
  }

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    serverThreads = Executors.newSingleThreadExecutor();
    server.setExecutor(serverThreads);
    server.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          received.add(
              new Received(
                  exchange.getRequestMethod(),
                  exchange.getRequestURI().getPath(),
                  exchange.getRequestHeaders().getFirst("Rstream-Keyframes"),
                  exchange.getRequestHeaders().getFirst("Content-Type"),
                  body,
                  pacer.nanoTime(),
                  exchange.getRequestHeaders().getFirst("Producer-Id")
                      + " "
                      + exchange.getRequestHeaders().getFirst("Producer-Epoch")
                      + " "
                      + exchange.getRequestHeaders().getFirst("Producer-Seq")));
          int status = exchange.getRequestMethod().equals("PUT") ? 201 : 204;
          Integer scripted = exchange.getRequestMethod().equals("POST") ? postAnswers.poll() : null;
          if (scripted != null && scripted == DROP) {
            // The JDK server closes the connection of a handler that throws: no answer at all.
            throw new IllegalStateException("dropping the connection, as a server going down does");
          } else if (scripted != null) {
            exchange.getResponseHeaders().add("Retry-After", scripted == 429 ? "3" : "soon");
            exchange.sendResponseHeaders(scripted, -1);
          } else if (exchange.getRequestMethod().equals("POST")
              && posts.getAndIncrement() == failAt.get()) {
            byte[] error = "{\"error\":\"append_rejected\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(400, error.length);
            exchange.getResponseBody().write(error);
          } else {
            exchange.sendResponseHeaders(status, -1);
          }
          exchange.close();
        });
    server.start();
    url =
        URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/stream/demo/orders");
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    server.stop(0);
    serverThreads.shutdown();
    assertThat(serverThreads.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  private List<Received> drain(int n) throws InterruptedException {
    List<Received> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Received r = received.poll(5, TimeUnit.SECONDS);
      assertThat(r).as("request %d", i).isNotNull();
      out.add(r);
    }
    assertThat(received).isEmpty();
    return out;
  }

  @Test
  void createsAStateStreamThenPostsPacedValidChangesWithNonDecreasingTimestamps() throws Exception {
    Instant start = Instant.parse("2026-11-22T00:00:00Z");
    Workload w =
        Workload.builder()
            .streamUrl(url)
            .rate(20)
            .count(60)
            .seed(7)
            .simulatedClock(start, Duration.ofMinutes(1))
            .keyframePolicy("changes=10, interval=5s")
            .pacer(pacer)
            .build();

    assertThat(w.run()).isEqualTo(60);

    List<Received> requests = drain(61);
    Received put = requests.get(0);
    assertThat(put.method()).isEqualTo("PUT");
    assertThat(put.path()).isEqualTo("/v1/stream/demo/orders");
    assertThat(put.policy()).isEqualTo("changes=10, interval=5s");
    assertThat(put.contentType()).isEqualTo("application/json");

    Set<String> live = new HashSet<>();
    Set<String> ops = new HashSet<>();
    Set<String> types = new HashSet<>();
    Instant previous = Instant.MIN;
    long firstAt = requests.get(1).atNanos();
    for (int i = 0; i < 60; i++) {
      Received post = requests.get(i + 1);
      assertThat(post.method()).isEqualTo("POST");
      assertThat(post.contentType()).isEqualTo("application/json");
      // 20 changes/s: change i leaves exactly i × 50 ms after the first.
      assertThat(post.atNanos() - firstAt).isEqualTo(i * 50_000_000L);

      JsonNode m = JSON.readTree(post.body());
      String op = m.path("headers").path("operation").asText();
      String id = m.get("type").asText() + "/" + m.get("key").asText();
      ops.add(op);
      types.add(m.get("type").asText());
      switch (op) {
        case "insert" -> assertThat(live.add(id)).as("insert of a new %s", id).isTrue();
        case "update" -> assertThat(live).as("update of a live %s", id).contains(id);
        case "delete" -> assertThat(live.remove(id)).as("delete of a live %s", id).isTrue();
        default -> throw new AssertionError("operation " + op);
      }
      if (!op.equals("delete")) assertThat(m.get("value").isObject()).isTrue();

      Instant t = Rfc3339.parse(m.path("headers").path("timestamp").asText());
      assertThat(t).isEqualTo(start.plus(Duration.ofMinutes(i))).isAfterOrEqualTo(previous);
      previous = t;
    }
    assertThat(ops).containsExactlyInAnyOrder("insert", "update", "delete");
    assertThat(types).containsExactlyInAnyOrder("customer", "order");
  }

  @Test
  void equalSeedsWriteEqualChangesAndOtherSeedsDiffer() throws Exception {
    List<String> first = bodies(42);
    List<String> again = bodies(42);
    List<String> other = bodies(43);

    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
  }

  private List<String> bodies(long seed) throws Exception {
    Workload.builder()
        .streamUrl(url)
        .rate(1000)
        .count(30)
        .seed(seed)
        .simulatedClock(Instant.parse("2026-11-22T00:00:00Z"), Duration.ofSeconds(1))
        .pacer(pacer)
        .build()
        .run();
    List<String> out = new ArrayList<>();
    for (Received r : drain(31).subList(1, 31)) out.add(r.body());
    return out;
  }

  @Test
  void withoutASimulatedClockChangesCarryNoTimestampForTheServerToStamp() throws Exception {
    Workload.builder().streamUrl(url).rate(100).count(5).pacer(pacer).build().run();

    for (Received r : drain(6).subList(1, 6)) {
      assertThat(JSON.readTree(r.body()).path("headers").has("timestamp")).isFalse();
    }
  }

  @Test
  void simulatedClockWithoutAStartStartsOnceTheStreamIsCreated() throws Exception {
    Instant before = Instant.now();
    Workload.builder()
        .streamUrl(url)
        .rate(100)
        .count(3)
        .simulatedClock(Duration.ofHours(1))
        .pacer(pacer)
        .build()
        .run();

    List<Received> requests = drain(4);
    Instant first =
        Rfc3339.parse(
            JSON.readTree(requests.get(1).body()).path("headers").path("timestamp").asText());
    Instant third =
        Rfc3339.parse(
            JSON.readTree(requests.get(3).body()).path("headers").path("timestamp").asText());
    assertThat(first).isAfterOrEqualTo(before.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    assertThat(Duration.between(first, third)).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void durationBecomesRateTimesDuration() {
    Workload w = Workload.builder().streamUrl(url).rate(5).duration(Duration.ofMinutes(2)).build();

    assertThat(w.count()).isEqualTo(600);
  }

  @Test
  void aRefusedChangeStopsTheRunWithTheStatusAndBody() throws Exception {
    failAt.set(3);
    Workload w = Workload.builder().streamUrl(url).rate(100).count(10).pacer(pacer).build();

    assertThatThrownBy(w::run)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("HTTP 400")
        .hasMessageContaining("append_rejected");
    assertThat(drain(5)).hasSize(5); // PUT and POSTs 0..3, nothing after the failure
  }

  @Test
  void appendsCarryOneProducerAndASequenceNumberPerChange() throws Exception {
    Workload.builder().streamUrl(url).rate(100).count(4).pacer(pacer).build().run();

    List<Received> posts = drain(5).subList(1, 5);
    String producer = posts.get(0).producer().split(" ")[0];
    assertThat(producer).startsWith("workload-");
    for (int i = 0; i < 4; i++) {
      assertThat(posts.get(i).producer()).isEqualTo(producer + " 0 " + i);
    }
  }

  @Test
  void aServerThatAnswers503IsRetriedWithBackoffUnderTheSameSequenceNumber() throws Exception {
    postAnswers.addAll(List.of(204, 503, 503, 503));
    Workload w = Workload.builder().streamUrl(url).rate(1000).count(3).pacer(pacer).build();

    assertThat(w.run()).isEqualTo(3);

    List<Received> requests = drain(1 + 6);
    List<Received> second = requests.subList(2, 6);
    for (Received attempt : second) {
      assertThat(attempt.body()).isEqualTo(second.get(0).body());
      assertThat(attempt.producer()).endsWith(" 0 1");
    }
    // 100 ms, then doubled each time.
    assertThat(second.get(1).atNanos() - second.get(0).atNanos()).isEqualTo(100_000_000L);
    assertThat(second.get(2).atNanos() - second.get(1).atNanos()).isEqualTo(200_000_000L);
    assertThat(second.get(3).atNanos() - second.get(2).atNanos()).isEqualTo(400_000_000L);
    assertThat(requests.get(6).producer()).endsWith(" 0 2");
  }

  @Test
  void retryAfterIsWaitedForWhenLongerThanTheBackoff() throws Exception {
    postAnswers.add(429);
    Workload.builder().streamUrl(url).rate(1000).count(1).pacer(pacer).build().run();

    List<Received> attempts = drain(3).subList(1, 3);
    assertThat(attempts.get(1).atNanos() - attempts.get(0).atNanos()).isEqualTo(3_000_000_000L);
  }

  @Test
  void aDroppedConnectionIsRetriedUnderTheSameSequenceNumber() throws Exception {
    // Received, then the connection drops: whether it was appended, only the server knows, and
    // the same producer sequence number lets it tell.
    postAnswers.addAll(List.of(204, DROP));
    Workload w = Workload.builder().streamUrl(url).rate(1000).count(3).pacer(pacer).build();

    assertThat(w.run()).isEqualTo(3);

    List<Received> requests = drain(1 + 4);
    assertThat(requests.get(2).body()).isEqualTo(requests.get(3).body());
    assertThat(requests.get(2).producer()).isEqualTo(requests.get(3).producer()).endsWith(" 0 1");
    assertThat(requests.get(4).producer()).endsWith(" 0 2");
  }

  @Test
  void aServerThatStaysDownEndsTheRunOnceRetryForIsUp() throws Exception {
    for (int i = 0; i < 100; i++) postAnswers.add(503);
    Workload w =
        Workload.builder()
            .streamUrl(url)
            .rate(1000)
            .count(3)
            .retryFor(Duration.ofSeconds(5))
            .pacer(pacer)
            .build();

    assertThatThrownBy(w::run).isInstanceOf(IOException.class).hasMessageContaining("HTTP 503");

    // PUT, then attempts 100, 200, 400, 800, 1600 ms and then every 2 s apart, the last at or after
    // 5 s.
    List<Received> attempts = drain(1 + 7).subList(1, 8);
    assertThat(attempts.get(6).atNanos() - attempts.get(0).atNanos()).isEqualTo(5_100_000_000L);
  }

  @Test
  void argumentsAreCheckedWhenSet() {
    assertThatThrownBy(() -> Workload.builder().rate(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Workload.builder().count(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Workload.builder().retryFor(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> Workload.builder().simulatedClock(Instant.EPOCH, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(WorkloadCommandLine.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(WorkloadCommandLine.parseDuration("PT1M")).isEqualTo(Duration.ofMinutes(1));
    assertThatThrownBy(() -> WorkloadCommandLine.parseDuration("soon"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
