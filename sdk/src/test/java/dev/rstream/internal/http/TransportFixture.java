package dev.rstream.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Offset;
import dev.rstream.RetryPolicy;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A MockWebServer, a client of its own and a stream handle on {@code /s}, plus the leak checks
 * every transport test ends with: no call still running, no connection still in use, no Rx error
 * that went undelivered. Register it with {@code @RegisterExtension}: the server starts before each
 * test and the checks run after it.
 */
public final class TransportFixture implements BeforeEachCallback, AfterEachCallback {
  public final MockWebServer server = new MockWebServer();
  public final OkHttpClient client;
  private final UndeliveredRxErrors rxErrors = new UndeliveredRxErrors();

  public TransportFixture() {
    client =
        new OkHttpClient.Builder()
            .connectionPool(new ConnectionPool(5, 1, TimeUnit.MINUTES))
            .readTimeout(5, TimeUnit.SECONDS)
            .build();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    server.start();
    rxErrors.install();
  }

  /** Fast retries: the tests check behaviour, not the delays (RetryPolicyTest does those). */
  public static RetryPolicy fastRetries() {
    return RetryPolicy.builder()
        .initialDelay(1, TimeUnit.MILLISECONDS)
        .maxDelay(5, TimeUnit.MILLISECONDS)
        .maxRetries(5)
        .build();
  }

  public DurableStream.Builder streamBuilder() {
    return DurableStream.builder()
        .url(server.url("/s"))
        .okHttpClient(client)
        .retryPolicy(fastRetries());
  }

  public DurableStream stream() {
    return streamBuilder().build();
  }

  static MockResponse.Builder json(String body, String nextOffset) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/json")
        .addHeader("Stream-Next-Offset", nextOffset)
        .body(body);
  }

  /** An empty 204 answer to a long poll: nothing new, the stream's next offset. */
  static MockResponse.Builder noContent(String nextOffset) {
    return new MockResponse.Builder().code(204).addHeader("Stream-Next-Offset", nextOffset);
  }

  /** A 409 for a closed stream, as the server answers a write to it. */
  static MockResponse closedConflict(String nextOffset) {
    return new MockResponse.Builder()
        .code(409)
        .addHeader("Stream-Closed", "true")
        .addHeader("Stream-Next-Offset", nextOffset)
        .build();
  }

  static MockResponse.Builder sse(String body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "text/event-stream")
        .body(body);
  }

  static String dataEvent(String data) {
    StringBuilder event = new StringBuilder("event: data\n");
    for (String line : data.split("\n", -1)) event.append("data: ").append(line).append('\n');
    return event.append('\n').toString();
  }

  static String controlEvent(String json) {
    return "event: control\ndata: " + json + "\n\n";
  }

  /** The control event of a stream still open at {@code nextOffset}, with cursor "c". */
  static String openControl(String nextOffset) {
    return controlEvent("{\"streamNextOffset\":\"" + nextOffset + "\",\"streamCursor\":\"c\"}");
  }

  /** The control event of a stream closed at {@code nextOffset}. */
  static String closingControl(String nextOffset) {
    return controlEvent("{\"streamNextOffset\":\"" + nextOffset + "\",\"streamClosed\":true}");
  }

  /** Every message of {@code batches}, in order. */
  static List<String> messages(List<ReadBatch<String>> batches) {
    List<String> all = new ArrayList<>();
    for (ReadBatch<String> batch : batches) all.addAll(batch.messages());
    return all;
  }

  /** Queues the answer to a catch-up read that finds nothing more: up to date at {@code offset}. */
  void enqueueCaughtUp(String offset) {
    server.enqueue(json("[]", offset).addHeader("Stream-Up-To-Date", "true").build());
  }

  /** A read of {@link #stream()} from {@code from}, live in {@code mode}, of raw JSON. */
  TestSubscriber<ReadBatch<String>> read(LiveMode mode, Offset from) {
    return stream()
        .read(ReadOptions.builder().offset(from).liveMode(mode).build(), MessageDecoder.rawJson())
        .test();
  }

  /** {@link #read} until it completes, which it must within 5 seconds. */
  TestSubscriber<ReadBatch<String>> readToTheEnd(LiveMode mode, Offset from) {
    return read(mode, from).awaitDone(5, TimeUnit.SECONDS).assertComplete();
  }

  /** The error a terminated test consumer got (asserts there is exactly one). */
  public static Throwable errorOf(io.reactivex.rxjava3.observers.BaseTestConsumer<?, ?> consumer) {
    java.util.concurrent.atomic.AtomicReference<Throwable> error =
        new java.util.concurrent.atomic.AtomicReference<>();
    consumer.assertError(
        e -> {
          error.set(e);
          return true;
        });
    return error.get();
  }

  RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request).as("expected another request").isNotNull();
    return request;
  }

  void assertNoMoreRequests() throws InterruptedException {
    assertThat(server.takeRequest(100, TimeUnit.MILLISECONDS)).as("unexpected request").isNull();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < deadline
          && (client.dispatcher().runningCallsCount() > 0
              || client.connectionPool().connectionCount()
                  != client.connectionPool().idleConnectionCount())) {
        Thread.sleep(10); // polling a condition with a deadline, not hoping
      }
      assertThat(client.dispatcher().runningCallsCount()).as("calls still running").isZero();
      assertThat(client.connectionPool().connectionCount())
          .as("connections still in use")
          .isEqualTo(client.connectionPool().idleConnectionCount());
    } finally {
      try {
        rxErrors.uninstallAndAssertNone();
      } finally {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
        server.close();
      }
    }
  }
}
