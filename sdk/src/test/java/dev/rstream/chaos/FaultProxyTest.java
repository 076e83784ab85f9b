package dev.rstream.chaos;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.chaos.FaultProxy.Fault;
import dev.rstream.server.StubServer;
import dev.rstream.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each fault the {@link FaultProxy} injects, seen from a plain OkHttp client through the proxy in
 * front of a real {@link StubServer}: with the fault rate at 1 and one kind enabled, every exchange
 * gets that fault.
 */
@Timeout(60)
class FaultProxyTest {
  private static final MediaType JSON = MediaType.get("application/json");

  private StubServer server;
  private String path;
  private FaultProxy proxy;
  private final BlockingQueue<Fault> heard = new LinkedBlockingQueue<>();
  private final List<String> heardClients = new CopyOnWriteArrayList<>();
  private final OkHttpClient direct =
      new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
  private final OkHttpClient http = direct.newBuilder().readTimeout(2, SECONDS).build();
  private volatile boolean appending;
  private Thread appender;

  @BeforeEach
  void start() throws Exception {
    server = StubServer.builder().sseHeartbeat(java.time.Duration.ofMillis(100)).build().start();
    path = "/v1/stream/proxy/test";
    try (Response created =
        direct
            .newCall(new Request.Builder().url(server.url() + path).put(json("")).build())
            .execute()) {
      assertThat(created.code()).isEqualTo(201);
    }
    for (int i = 0; i < 40; i++) appendDirect(i);
  }

  @AfterEach
  void stop() throws Exception {
    appending = false;
    if (appender != null) appender.join(5_000);
    if (proxy != null) proxy.close();
    server.close();
    for (OkHttpClient client : List.of(direct, http)) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }

  private void appendDirect(int i) throws IOException {
    String body = "[{\"n\":" + i + ",\"pad\":\"" + "x".repeat(40) + "\"}]";
    try (Response appended = direct.newCall(post(server.url() + path, body)).execute()) {
      assertThat(appended.code()).isIn(200, 204);
    }
  }

  private void startProxy(Fault kind) throws IOException {
    proxy =
        FaultProxy.builder()
            .upstreamPort(server.port())
            .seed(42)
            .faultRate(1)
            .stallMillis(3_000)
            .kinds(EnumSet.of(kind))
            .listener(
                (fault, client, method, target) -> {
                  heard.add(fault);
                  if (client != null) heardClients.add(client);
                })
            .start();
  }

  /** Keeps appending so that a live read has events to cut. */
  private void keepAppending() {
    appending = true;
    appender =
        new Thread(
            () -> {
              for (int i = 1000; appending; i++) {
                try {
                  appendDirect(i);
                  Thread.sleep(10);
                } catch (Exception e) {
                  return;
                }
              }
            });
    appender.start();
  }

  private static RequestBody json(String body) {
    return RequestBody.create(body, JSON);
  }

  private static Request get(String url) {
    return new Request.Builder().url(url).build();
  }

  private static Request post(String url, String body) {
    return new Request.Builder().url(url).post(json(body)).build();
  }

  /** A catch-up read of the whole stream, uncompressed so bodies compare byte for byte. */
  private static Request catchUp(String streamUrl) {
    return new Request.Builder()
        .url(streamUrl + "?offset=-1")
        .header("Accept-Encoding", "identity")
        .build();
  }

  private void assertHeard(Fault fault) throws InterruptedException {
    assertThat(heard.poll(5, SECONDS)).isEqualTo(fault);
  }

  private String proxied(String query) {
    return "http://127.0.0.1:" + proxy.port() + path + query;
  }

  private String directBody() throws IOException {
    try (Response response = direct.newCall(catchUp(server.url() + path)).execute()) {
      return response.body().string();
    }
  }

  private long tailMessages() throws IOException {
    String body = directBody();
    return body.chars().filter(c -> c == '{').count();
  }

  /** Reads the body until it fails or ends; returns what arrived and whether it failed. */
  private static Read readAll(Response response) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    try (InputStream in = response.body().byteStream()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) bytes.write(buffer, 0, n);
      return new Read(bytes.toString(StandardCharsets.UTF_8), null);
    } catch (IOException e) {
      return new Read(bytes.toString(StandardCharsets.UTF_8), e);
    }
  }

  /** What arrived of a body, and the failure that ended it early (null if it ended cleanly). */
  private record Read(String text, @Nullable IOException failure) {}

  @Test
  void dropInRequestNeverReachesTheServerWhole() throws Exception {
    startProxy(Fault.DROP_IN_REQUEST);
    long before = tailMessages();
    String body = "[{\"dropped\":\"" + "y".repeat(2_000) + "\"}]";
    assertThatThrownBy(() -> http.newCall(post(proxied(""), body)).execute().close())
        .isInstanceOf(IOException.class);
    assertHeard(Fault.DROP_IN_REQUEST);
    assertThat(tailMessages()).isEqualTo(before);
  }

  @Test
  void dropInBodyCutsACatchUpBody() throws Exception {
    startProxy(Fault.DROP_IN_BODY);
    try (Response response = http.newCall(catchUp(proxied(""))).execute()) {
      assertThat(response.code()).isEqualTo(200);
      Read read = readAll(response);
      assertThat(read.failure()).isNotNull();
      assertThat(read.text().length()).isLessThan(directBody().length());
    }
    assertHeard(Fault.DROP_IN_BODY);
  }

  @Test
  void dropInEventCutsAnSseEventHalfWay() throws Exception {
    startProxy(Fault.DROP_IN_EVENT);
    keepAppending();
    try (Response response = http.newCall(get(proxied("?offset=-1&live=sse"))).execute()) {
      Read read = readAll(response);
      assertThat(read.failure()).isNotNull();
      assertThat(read.text()).isNotEmpty().doesNotEndWith("\n\n");
    }
    assertHeard(Fault.DROP_IN_EVENT);
  }

  @Test
  void dropBetweenEventsCutsRightAfterACompleteEvent() throws Exception {
    startProxy(Fault.DROP_BETWEEN_EVENTS);
    keepAppending();
    try (Response response = http.newCall(get(proxied("?offset=-1&live=sse"))).execute()) {
      Read read = readAll(response);
      assertThat(read.failure()).isNotNull();
      assertThat(read.text()).endsWith("\n\n");
    }
    assertHeard(Fault.DROP_BETWEEN_EVENTS);
  }

  @Test
  void stallOutlastsTheClientsReadTimeout() throws Exception {
    startProxy(Fault.STALL);
    OkHttpClient impatient = http.newBuilder().readTimeout(500, MILLISECONDS).build();
    try (Response response = impatient.newCall(catchUp(proxied(""))).execute()) {
      Read read = readAll(response);
      assertThat(read.failure()).isInstanceOf(SocketTimeoutException.class);
    }
    assertHeard(Fault.STALL);
  }

  @Test
  void delayForwardsTheExchangeUntouched() throws Exception {
    startProxy(Fault.DELAY);
    try (Response response =
        http.newCall(
                catchUp(proxied("")).newBuilder().header(FaultProxy.CLIENT_HEADER, "c7").build())
            .execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).isEqualTo(directBody());
    }
    assertHeard(Fault.DELAY);
    assertThat(heardClients).containsExactly("c7");
  }

  @Test
  void status503AnswersWithRetryAfterWithoutTheServer() throws Exception {
    assertRefusedWithRetryAfter(Fault.STATUS_503, 503);
  }

  @Test
  void status429AnswersWithRetryAfterWithoutTheServer() throws Exception {
    assertRefusedWithRetryAfter(Fault.STATUS_429, 429);
  }

  /** The proxy answers an append itself with {@code status} and Retry-After; nothing is stored. */
  private void assertRefusedWithRetryAfter(Fault fault, int status) throws Exception {
    startProxy(fault);
    long before = tailMessages();
    try (Response response = http.newCall(post(proxied(""), "[{\"refused\":1}]")).execute()) {
      assertThat(response.code()).isEqualTo(status);
      assertThat(response.header("Retry-After")).isNotNull();
    }
    assertHeard(fault);
    assertThat(tailMessages()).isEqualTo(before);
  }

  @Test
  void truncateEndsABodyEarlyButCleanly() throws Exception {
    startProxy(Fault.TRUNCATE_BODY);
    String full = directBody();
    try (Response response = http.newCall(catchUp(proxied(""))).execute()) {
      Read read = readAll(response);
      assertThat(read.failure()).isNull();
      assertThat(read.text().length()).isLessThan(full.length());
      assertThat(full).startsWith(read.text());
    }
    assertHeard(Fault.TRUNCATE_BODY);
  }

  @Test
  void slowDripDeliversTheWholeBody() throws Exception {
    startProxy(Fault.SLOW_DRIP);
    try (Response response = http.newCall(catchUp(proxied(""))).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).isEqualTo(directBody());
    }
    assertHeard(Fault.SLOW_DRIP);
  }

  @Test
  void resetFailsTheClientWithAnIoError() throws Exception {
    startProxy(Fault.RESET);
    assertThatThrownBy(
            () -> {
              try (Response response = http.newCall(catchUp(proxied(""))).execute()) {
                Read read = readAll(response);
                if (read.failure() != null) throw read.failure();
              }
            })
        .isInstanceOf(IOException.class);
    assertHeard(Fault.RESET);
  }

  @Test
  void tokenExpiredAnswers401WithoutTheServer() throws Exception {
    startProxy(Fault.TOKEN_EXPIRED);
    try (Response response = http.newCall(get(proxied("?offset=-1"))).execute()) {
      assertThat(response.code()).isEqualTo(401);
    }
    assertHeard(Fault.TOKEN_EXPIRED);
  }

  @Test
  void noFaultsAtRateZeroAndConnectionsCloseWithTheClient() throws Exception {
    startProxy(Fault.RESET);
    proxy.faultRate(0, 0);
    for (int i = 0; i < 5; i++) {
      try (Response response = http.newCall(catchUp(proxied(""))).execute()) {
        assertThat(response.body().string()).isEqualTo(directBody());
      }
    }
    assertThat(proxy.totalFaults()).isZero();
    assertThat(proxy.exchanges()).isEqualTo(5);
    http.connectionPool().evictAll();
    Await.until(() -> proxy.openConnections() == 0, "the proxy's connections closed");
  }
}
