package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.durable.DurableStream;
import dev.rstream.durable.StreamInfo;
import dev.rstream.testing.ChildJvm;
import dev.rstream.testing.StubServerExtension;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a client leaves behind when it is closed: nothing that keeps a JVM alive when it built its
 * own HTTP client, and the app's HTTP client untouched when it was given one.
 */
class ClientShutdownTest {
  /** Well below the minute OkHttp's idle dispatcher threads would keep the child alive. */
  private static final long EXIT_BOUND_SECONDS = 40;

  @RegisterExtension final StubServerExtension server = StubServerExtension.inMemory();
  private OkHttpClient http;
  private String url;
  private String rawUrl;

  @BeforeEach
  void createStreams() {
    http = server.http();
    url = server.createStateStream("shutdown/orders", "changes=5, interval=3600s");
    rawUrl = server.createJsonStream("shutdown/raw");
  }

  /** Runs {@link ClientShutdownChild} in {@code mode}; returns its output once it has exited. */
  private String runChild(String url, String mode) throws Exception {
    try (ChildJvm child = ChildJvm.start(ClientShutdownChild.class, url, mode)) {
      boolean exited = child.waitFor(EXIT_BOUND_SECONDS, SECONDS);
      if (!exited) child.kill();
      String text = child.output();
      assertThat(exited)
          .as("child exited within %s s after main returned; output:%n%s", EXIT_BOUND_SECONDS, text)
          .isTrue();
      assertThat(child.exitValue()).as("exit code; output:%n%s", text).isZero();
      return text;
    }
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
    Offset written = LiveViews.appendApplied(client, Change.update("order", "o1", "{\"qty\":1}"));
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
