package dev.rstream.examples.cli;

import static java.util.concurrent.TimeUnit.SECONDS;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.server.StubServer;
import dev.rstream.server.workload.Workload;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link StubServer} on a random port for a test class (register it as a static field), and, if
 * made with {@link #writtenPerTest()}, for each test a state stream of its own written by a {@link
 * Workload}: 30 changes, a keyframe every 10, so 4 keyframes (the stream's first one included).
 */
final class WorkloadStreams implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  static final int CHANGES_PER_KEYFRAME = 10;
  static final int KEYFRAMES = 4;
  private static final AtomicInteger streams = new AtomicInteger();

  private final boolean writeEach;
  private StubServer server;
  private String url = "";

  private WorkloadStreams(boolean writeEach) {
    this.writeEach = writeEach;
  }

  /** A server and, before each test, a state stream of its own at {@link #url()}. */
  static WorkloadStreams writtenPerTest() {
    return new WorkloadStreams(true);
  }

  /** A server alone: tests make the streams they need with {@link #newStreamUrl(String)}. */
  static WorkloadStreams serverOnly() {
    return new WorkloadStreams(false);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = StubServer.builder().memory().build().start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    server.close();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (!writeEach) return;
    url = newStreamUrl(context.getRequiredTestMethod().getName());
    // A batch of changes at a time, waiting for its keyframe: the server writes keyframes on its
    // own thread, and one that is late covers more changes, so writing on would make fewer.
    for (int batch = 1; batch < KEYFRAMES; batch++) {
      Workload.builder()
          .streamUrl(URI.create(url))
          .seed(batch)
          .count(CHANGES_PER_KEYFRAME)
          .rate(5_000)
          .keyframePolicy("changes=" + CHANGES_PER_KEYFRAME + ", interval=60s")
          .build()
          .run();
      keyframes(batch + 1);
    }
  }

  /** The URL of the current test's written stream. */
  String url() {
    return url;
  }

  /** A URL on the server for a stream no other test uses, its name starting with {@code name}. */
  String newStreamUrl(String name) {
    return server.streamUrl("cli/" + name + "-" + streams.incrementAndGet());
  }

  /** The URL of {@code path} on the server, as it is: the stream may not exist. */
  String streamUrl(String path) {
    return server.streamUrl(path);
  }

  /**
   * The first {@code count} entries of the current stream's keyframe index, waiting for them to be
   * written.
   */
  List<JsonNode> keyframes(int count) {
    return DurableStream.builder()
        .url(url + ".keyframes")
        .build()
        .read(ReadOptions.builder().liveMode(LiveMode.LONG_POLL).build(), MessageDecoder.jsonNode())
        .concatMapIterable(ReadBatch::messages)
        .take(count)
        .toList()
        .timeout(10, SECONDS)
        .blockingGet();
  }
}
