package dev.rstream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rstream.durable.AppendOptions;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Notification;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The client on streams that are not state streams as the server-stub makes them: plain JSON
 * streams with no keyframe (with and without timestamps), a text stream, and a JSON stream of
 * messages that are not State Protocol. Against the real server-stub over real sockets.
 */
@ExtendWith(UndeliveredRxErrors.class)
class StreamKindsEndToEndTest {
  private static final Instant T1 = Instant.parse("2026-01-01T00:00:10Z");
  private static final Instant T2 = Instant.parse("2026-01-01T00:00:20Z");
  private static final AtomicInteger streams = new AtomicInteger();

  final StubServerExtension server = StubServerExtension.inMemory();
  @RegisterExtension final ServerClients clients = new ServerClients(server);

  /** A stream created with {@code contentType} and no keyframe policy: no keyframes, no index. */
  private DurableStream plainStream(String contentType) {
    DurableStream stream =
        DurableStream.builder()
            .url(server.streamUrl("kinds/s" + streams.incrementAndGet()))
            .okHttpClient(server.http())
            .build();
    stream
        .create(CreateOptions.builder().contentType(contentType).build())
        .timeout(10, SECONDS)
        .blockingGet();
    return stream;
  }

  /** A JSON stream with no keyframe policy to which each of {@code messages} is appended alone. */
  private DurableStream jsonStreamOf(String... messages) {
    DurableStream stream = plainStream("application/json");
    for (String message : messages) append(stream, message);
    return stream;
  }

  private static void append(DurableStream stream, String... messages) {
    stream
        .appendJsonBatch(List.of(messages), AppendOptions.none())
        .timeout(10, SECONDS)
        .blockingGet();
  }

  private RStreamClient client(DurableStream stream) {
    return clients.client(clients.withoutLinger(stream.url().toString()));
  }

  /** The window at {@code time} holds exactly {@code orders}, as of {@code timestamp}. */
  private static void assertWindow(
      RStreamClient client, Instant time, Map<String, String> orders, Instant timestamp) {
    StateView view = client.window(time).timeout(10, SECONDS).blockingFirst();
    assertThat(view.entities("order")).containsExactlyInAnyOrderEntriesOf(orders);
    assertThat(view.timestamp()).isEqualTo(timestamp);
  }

  /** The error {@code read} ends with, within 10 s, having emitted nothing. */
  private static Throwable failureOf(Flowable<?> read) {
    List<? extends Notification<?>> signals =
        read.materialize().toList().timeout(10, SECONDS).blockingGet();
    assertThat(signals).hasSize(1);
    assertThat(signals.get(0).isOnError()).as(signals.toString()).isTrue();
    return signals.get(0).getError();
  }

  private static Instant anHourAgo() {
    return Instant.now().minus(Duration.ofHours(1));
  }

  @Test
  void untimedChangesGiveTheLiveStateButNoPastOne() {
    DurableStream stream =
        jsonStreamOf(
            ReferenceChanges.insertMessage("o1", "1", null),
            ReferenceChanges.insertMessage("o2", "2", null));
    RStreamClient client = client(stream);

    Throwable error = failureOf(client.window(anHourAgo()));
    assertThat(error)
        .isInstanceOf(NoTimestampsException.class)
        .hasMessageContaining("the stream's messages carry no timestamps")
        .hasMessageContaining(stream.url().toString());
    assertThat(((NoTimestampsException) error).firstTimestamp()).isNull();

    StateView live = client.live().timeout(10, SECONDS).blockingFirst();
    assertThat(live.entities("order")).containsOnly(Map.entry("o1", "1"), Map.entry("o2", "2"));
    assertThat(live.timestamp()).as("unknown, not the epoch").isNull();
  }

  @Test
  void untimedChangesBeforeTheFirstTimestampAreKnownFromIt() {
    DurableStream stream =
        jsonStreamOf(
            ReferenceChanges.insertMessage("o1", "1", null),
            ReferenceChanges.insertMessage("o2", "2", T1));
    RStreamClient client = client(stream);

    Throwable error = failureOf(client.window(T1.minusSeconds(1)));
    assertThat(error).isInstanceOf(NoTimestampsException.class);
    assertThat(((NoTimestampsException) error).firstTimestamp()).isEqualTo(T1);

    assertWindow(client, T1, Map.of("o1", "1", "o2", "2"), T1);
  }

  @Test
  void timedChangesWithoutKeyframesAnswerEveryPastTimeFromTheEmptyState() {
    DurableStream stream = plainStream("application/json");
    append(stream, ReferenceChanges.insertMessage("o1", "1", T1));
    append(
        stream,
        ReferenceChanges.insertMessage("o1", "2", T2),
        ReferenceChanges.insertMessage("o2", "3", T2));
    RStreamClient client = client(stream);

    StateView before = client.window(T1.minusSeconds(1)).timeout(10, SECONDS).blockingFirst();
    assertThat(before.size()).isZero();
    assertThat(before.timestamp()).as("no change yet: no time, not the epoch").isNull();
    assertThat(before.offset()).isEqualTo(Offset.START);

    assertWindow(client, T2.minusMillis(1), Map.of("o1", "1"), T1);

    assertWindow(client, T2, Map.of("o1", "2", "o2", "3"), T2);
  }

  @Test
  void aTextStreamFailsEveryReadAtOnceNamingItsContentType() {
    DurableStream stream = plainStream("text/plain");
    stream.append("hello world".getBytes(UTF_8), "text/plain").timeout(10, SECONDS).blockingGet();
    RStreamClient client = client(stream);

    List<Flowable<?>> reads =
        List.of(
            client.window(anHourAgo()),
            client.window(Instant.now().plusSeconds(3600)),
            client.live(),
            client.changes(Instant.EPOCH, Instant.now()));
    for (Flowable<?> read : reads) {
      // A typed error with the first response, rather than a read that never ends.
      Throwable error = failureOf(read);
      assertThat(error)
          .isInstanceOf(NotAStateStreamException.class)
          .hasMessageStartingWith("not a state stream: its content type is text/plain");
      assertThat(((NotAStateStreamException) error).contentType()).startsWith("text/plain");
    }
  }

  @Test
  void jsonMessagesThatAreNotStateProtocolFailNamingWhereTheyAre() {
    DurableStream stream =
        jsonStreamOf(
            ReferenceChanges.insertMessage("o1", "1", T1),
            ReferenceChanges.insertMessage("o2", "2", T1));
    stream.append("[1,2,3]".getBytes(UTF_8), "application/json").timeout(10, SECONDS).blockingGet();
    RStreamClient client = client(stream);

    List<Flowable<?>> reads =
        List.of(client.window(T2), client.live(), client.changes(Instant.EPOCH, T2));
    for (Flowable<?> read : reads) {
      Throwable error = failureOf(read);
      assertThat(error)
          .isInstanceOf(NotAStateStreamException.class)
          .hasMessageContaining(
              "is not a State Protocol message: expected a JSON object, got the number 1");
      NotAStateStreamException notState = (NotAStateStreamException) error;
      assertThat(notState.contentType()).isNull();
      // Reading from the offset it names returns the offending message in the place it names.
      List<JsonNode> fromThere =
          stream
              .read(
                  ReadOptions.builder().offset(notState.offset()).liveMode(LiveMode.OFF).build(),
                  MessageDecoder.jsonNode())
              .concatMapIterable(ReadBatch::messages)
              .toList()
              .timeout(10, SECONDS)
              .blockingGet();
      assertThat(fromThere.get(notState.message() - 1).isInt()).as(fromThere.toString()).isTrue();
      assertThat(fromThere.get(notState.message() - 1).intValue()).isEqualTo(1);
      assertThat(notState.offset()).as("closer than the stream's start").isNotEqualTo(Offset.START);
    }
  }
}
