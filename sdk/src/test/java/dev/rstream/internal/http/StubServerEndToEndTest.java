package dev.rstream.internal.http;

import static dev.rstream.internal.http.TransportFixture.messages;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.ConflictException;
import dev.rstream.Offset;
import dev.rstream.StreamClosedException;
import dev.rstream.StreamNotFoundException;
import dev.rstream.durable.AppendOptions;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.IdempotentProducer;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ProducerOptions;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.durable.StreamInfo;
import dev.rstream.server.StubServer;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The transport against the real server-stub over real sockets. */
class StubServerEndToEndTest {
  private static StubServer server;
  private static final AtomicInteger names = new AtomicInteger();
  @RegisterExtension final TransportFixture fixture = new TransportFixture();

  @BeforeAll
  static void startServer() throws Exception {
    server = StubServer.builder().memory().build().start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  private DurableStream newStream() {
    return DurableStream.builder()
        .url(server.streamUrl("e2e-" + names.incrementAndGet()))
        .okHttpClient(fixture.client)
        .retryPolicy(TransportFixture.fastRetries())
        .build();
  }

  @Test
  void createAppendAndCatchUpRoundTrip() {
    DurableStream stream = newStream();
    StreamInfo created = stream.create(CreateOptions.json()).blockingGet();
    assertThat(created.status()).isEqualTo(201);
    assertThat(stream.create(CreateOptions.json()).blockingGet().status()).isEqualTo(200);

    stream.appendJson("1").blockingGet();
    stream.appendJson("[2,3]").blockingGet(); // one message that is an array
    stream.appendJsonBatch(Arrays.asList("4", "{\"five\":5}"), AppendOptions.none()).blockingGet();

    List<ReadBatch<String>> batches =
        stream
            .read(ReadOptions.from(Offset.START), MessageDecoder.rawJson())
            .toList()
            .blockingGet();
    assertThat(messages(batches)).containsExactly("1", "[2,3]", "4", "{\"five\":5}");
    ReadBatch<String> last = batches.get(batches.size() - 1);
    assertThat(last.upToDate()).isTrue();
    assertThat(stream.head().blockingGet().nextOffset()).isEqualTo(last.nextOffset());
  }

  @ParameterizedTest
  @EnumSource(
      value = LiveMode.class,
      names = {"SSE", "LONG_POLL", "AUTO"})
  void liveReadSeesLaterAppendsThenCompletesWhenClosed(LiveMode mode) throws Exception {
    DurableStream stream = newStream();
    stream.create(CreateOptions.json()).blockingGet();
    stream.appendJson("\"before\"").blockingGet();

    TestSubscriber<ReadBatch<String>> read =
        stream.read(ReadOptions.builder().liveMode(mode).build(), MessageDecoder.rawJson()).test();
    read.awaitCount(1);
    assertThat(read.values().get(0).upToDate()).isTrue();

    stream.appendJson("\"live-1\"").blockingGet();
    stream.appendJson("\"live-2\"").blockingGet();
    Offset finalOffset = stream.closeStream().blockingGet();

    read.awaitDone(10, TimeUnit.SECONDS).assertComplete();
    assertThat(messages(read.values())).containsExactly("\"before\"", "\"live-1\"", "\"live-2\"");
    ReadBatch<String> last = read.values().get(read.values().size() - 1);
    assertThat(last.streamClosed()).isTrue();
    assertThat(last.nextOffset()).isEqualTo(finalOffset);
  }

  @Test
  void producerWritesEveryMessageExactlyOnceInOrder() {
    DurableStream stream = newStream();
    stream.create(CreateOptions.json()).blockingGet();
    IdempotentProducer producer =
        stream.producer(ProducerOptions.builder("writer").maxBatchItems(7).maxInFlight(3).build());

    for (int i = 0; i < 200; i++) producer.appendJson(String.valueOf(i));
    producer.flush().blockingAwait(10, TimeUnit.SECONDS);

    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 200; i++) expected.add(String.valueOf(i));
    assertThat(
            messages(
                stream
                    .read(ReadOptions.from(Offset.START), MessageDecoder.rawJson())
                    .toList()
                    .blockingGet()))
        .containsExactlyElementsOf(expected);
    assertThat(producer.closeStream(null).blockingGet().streamClosed()).isTrue();
  }

  @Test
  void stateErrorsAreTyped() {
    DurableStream stream = newStream();
    stream
        .read(ReadOptions.from(Offset.START), MessageDecoder.rawJson())
        .test()
        .awaitDone(5, TimeUnit.SECONDS)
        .assertError(StreamNotFoundException.class);

    stream.create(CreateOptions.json()).blockingGet();
    stream
        .create(CreateOptions.builder().contentType("text/plain").build())
        .test()
        .awaitDone(5, TimeUnit.SECONDS)
        .assertError(ConflictException.class);

    stream.closeStream().blockingGet();
    stream
        .appendJson("1")
        .test()
        .awaitDone(5, TimeUnit.SECONDS)
        .assertError(StreamClosedException.class);

    stream.delete().blockingAwait(5, TimeUnit.SECONDS);
    stream.head().test().awaitDone(5, TimeUnit.SECONDS).assertError(StreamNotFoundException.class);
  }
}
