package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.StreamInfo;
import dev.rstream.server.StubServer;
import dev.rstream.server.state.RealStreamConventions;
import dev.rstream.server.storage.MemoryLogStore;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a client leaves behind when it is closed: nothing that keeps a JVM alive when it built its
 * own HTTP client, and the app's HTTP client untouched when it was given one.
 */
class ClientShutdownTest {
  /** Well below the minute OkHttp's idle dispatcher threads would keep the child alive. */
  private static final long EXIT_BOUND_SECONDS = 40;

  private final OkHttpClient http = new OkHttpClient();
  private MemoryLogStore log;
  private RealStreamConventions conventions;
  private StubServer server;
  private String url;
  private String rawUrl;

  @BeforeEach
  void start() throws Exception {
    log = new MemoryLogStore();
    conventions =
        RealStreamConventions.builder()
            .store(log)
            .offsetFormat(dev.rstream.server.http.StreamHandler.OFFSETS)
            .build();
    server = StubServer.builder().store(log).conventions(conventions).build().start();
    url = server.streamUrl("shutdown/orders");
    DurableStream.builder()
        .url(url)
        .okHttpClient(http)
        .build()
        .create(
            CreateOptions.builder()
                .contentType("application/json")
                .header("Rstream-Keyframes", "changes=5, interval=3600s")
                .build())
        .timeout(10, SECONDS)
        .blockingGet();
    rawUrl = server.streamUrl("shutdown/raw");
    DurableStream.builder()
        .url(rawUrl)
        .okHttpClient(http)
        .build()
        .create(CreateOptions.builder().contentType("application/json").build())
        .timeout(10, SECONDS)
        .blockingGet();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    conventions.close();
    log.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  /** Runs {@link ClientShutdownChild} in {@code mode}; returns its output once it has exited. */
  private String runChild(String url, String mode) throws Exception {
    String java = new File(System.getProperty("java.home"), "bin/java").getPath();
    Process child =
        new ProcessBuilder(
                java,
                "-Xshare:auto",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                ClientShutdownChild.class.getName(),
                url,
                mode)
            .redirectErrorStream(true)
            .start();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    Thread reader =
        new Thread(
            () -> {
              try (InputStream in = child.getInputStream()) {
                in.transferTo(output);
              } catch (Exception ignored) {
                // the child was destroyed
              }
            });
    reader.start();
    boolean exited = child.waitFor(EXIT_BOUND_SECONDS, SECONDS);
    if (!exited) child.destroyForcibly().waitFor(10, SECONDS);
    reader.join(5_000);
    String text = output.toString(StandardCharsets.UTF_8);
    assertThat(exited)
        .as("child exited within %s s after main returned; output:%n%s", EXIT_BOUND_SECONDS, text)
        .isTrue();
    assertThat(child.exitValue()).as("exit code; output:%n%s", text).isZero();
    return text;
  }

  @Test
  void aClientThatBuiltItsOwnHttpClientLeavesNoThreadRunningAfterClose() throws Exception {
    String output = runChild(url, "client");
    assertThat(output).contains("read {o1=", "done").doesNotContain("still running");
  }

  @Test
  void aDurableStreamOnTheDefaultHttpClientDoesNotKeepTheJvmAlive() throws Exception {
    String output = runChild(rawUrl, "stream");
    assertThat(output).contains("done").doesNotContain("still running");
  }

  @Test
  void theAppsHttpClientStillWorksAfterTheClientClosed() throws Exception {
    RStreamClient client =
        RStreamClient.builder().streamUrl(url).okHttpClient(http).liveLinger(0, SECONDS).build();
    Offset written =
        client
            .append(Change.update("order", "o1", "{\"qty\":1}"))
            .timeout(10, SECONDS)
            .blockingGet();
    client.awaitOffset(written).timeout(10, SECONDS).blockingAwait();
    client.close();

    assertThat(http.dispatcher().executorService().isShutdown()).isFalse();
    // Both kinds of call: on the dispatcher (enqueue) and on the calling thread.
    StreamInfo info =
        DurableStream.builder()
            .url(url)
            .okHttpClient(http)
            .build()
            .head()
            .timeout(10, SECONDS)
            .blockingGet();
    assertThat(info.nextOffset()).isEqualTo(written);
    try (Response response =
        http.newCall(new Request.Builder().url(url).head().build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
  }
}
