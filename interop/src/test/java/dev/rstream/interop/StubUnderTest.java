package dev.rstream.interop;

import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.server.StubServer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/** server-stub with its file store: it writes keyframes and the index itself. */
final class StubUnderTest implements ServerUnderTest {
  private final StubServer server;
  private final OkHttpClient http = new OkHttpClient();

  StubUnderTest(Path dataDir) throws Exception {
    this.server = StubServer.builder().dataDir(dataDir).build().start();
  }

  @Override
  public String createStateStream(String path, int changes) throws Exception {
    String url = server.streamUrl(path);
    DurableStream.builder()
        .url(url)
        .okHttpClient(http)
        .build()
        .create(
            CreateOptions.builder()
                .contentType("application/json")
                .header("Rstream-Keyframes", "changes=" + changes + ", interval=3600s")
                .build())
        .timeout(10, TimeUnit.SECONDS)
        .blockingGet();
    Index.await(http, url, 1);
    return url;
  }

  @Override
  public boolean refusesEarlierTimestamps() {
    return true;
  }

  @Override
  public OkHttpClient http() {
    return http;
  }

  @Override
  public void assertHealthy() {}

  @Override
  public void close() {
    server.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
