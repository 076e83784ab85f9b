package dev.rstream.internal.sse;

import static dev.rstream.internal.sse.ParsedEvents.assertRecords;
import static dev.rstream.internal.sse.ParsedEvents.assertRecordsAndLastId;
import static dev.rstream.internal.sse.ParsedEvents.message;
import static dev.rstream.internal.sse.ParsedEvents.parse;
import static dev.rstream.internal.sse.ParsedEvents.retry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import okio.Buffer;
import okio.ByteString;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The WHATWG event stream interpretation of fields into events, one rule per test: data, event,
 * retry, comments, unknown fields, and what dispatches an event. Every parameterised test runs with
 * each {@link EveryChunking}.
 */
final class ServerSentEventReaderTest {
  @EveryChunking
  void commentsAreReportedAndNotDispatched(int chunk) throws IOException {
    assertRecords(
        chunk,
        ":heartbeat\n: with space\n:\n\ndata: a\n\n",
        "comment heartbeat",
        "comment  with space",
        "comment ",
        message("a"));
  }

  @EveryChunking
  void fieldWithoutColonHasEmptyValue(int chunk) throws IOException {
    assertRecords(
        chunk,
        "data\n\ndata\ndata\n\nevent\ndata: x\n\n",
        message(""),
        message("\n"),
        message("x"));
  }

  @EveryChunking
  void oneLeadingSpaceIsRemovedNotTwo(int chunk) throws IOException {
    assertRecords(
        chunk,
        "data:  two\n\ndata:none\n\ndata: \n\nevent:  t\ndata: x\n\n",
        message(" two"),
        message("none"),
        message(""),
        "event type= t data=x id=null");
  }

  @EveryChunking
  void dataLinesJoinedWithLfWithoutTrailingLf(int chunk) throws IOException {
    assertRecords(chunk, "data: a\ndata: b\ndata:\n\n", message("a\nb\n"));
  }

  @EveryChunking
  void colonsAfterTheFirstBelongToTheValue(int chunk) throws IOException {
    assertRecords(chunk, "data: {\"a\":1}: ok\n\n", message("{\"a\":1}: ok"));
  }

  @EveryChunking
  void retryHonouredOnlyWhenAllAsciiDigits(int chunk) throws IOException {
    String retries =
        "retry: 1500\nretry: 15x\nretry: -1\nretry:\nretry\nretry:  5\nretry: 1.5\n"
            + "retry: \u0661\nretry:0\n";
    assertRecords(chunk, retries + "data: a\n\n", retry(1500), retry(0), message("a"));
  }

  @EveryChunking
  void retryTooLargeForALongIsClampedNotACrash(int chunk) throws IOException {
    String tooLarge = "retry: 99999999999999999999999\nretry: 9223372036854775807\n";
    assertRecords(chunk, tooLarge, retry(Long.MAX_VALUE), retry(Long.MAX_VALUE));
  }

  @EveryChunking
  void unknownFieldsAreIgnoredAndNamesAreCaseSensitive(int chunk) throws IOException {
    assertRecords(chunk, "foo: bar\nDATA: x\ndat: y\ndatas: z\ndata: w\n\n", message("w"));
  }

  @EveryChunking
  void incompleteEventAtEndOfStreamIsDiscarded(int chunk) throws IOException {
    assertRecordsAndLastId(
        chunk,
        "id: 1\ndata: a\n\nid: 2\nevent: e\ndata: b\n",
        "1",
        "event type=message data=a id=1");
  }

  @EveryChunking
  void unterminatedLastLineIsDiscarded(int chunk) throws IOException {
    assertRecords(chunk, "data: a\n\ndata: b\n", message("a"));
    assertRecords(chunk, "data: a\n\ndata: b", message("a"));
  }

  @EveryChunking
  void emptyStreamHasNoEvents(int chunk) throws IOException {
    assertThat(parse(chunk, "").records).isEmpty();
    assertThat(parse(chunk, "\uFEFF").records).isEmpty();
    assertThat(parse(chunk, "\n\n\r\r\n").records).isEmpty();
  }

  @EveryChunking
  void fiveMegabyteEvent(int chunk) throws IOException {
    StringBuilder big = new StringBuilder(5 * 1024 * 1024);
    for (int i = 0; big.length() < 5 * 1024 * 1024; i++) big.append((char) ('a' + i % 26));
    String value = big.toString();
    RecordingEvents events = new RecordingEvents();
    ServerSentEventReader reader =
        new ServerSentEventReader(
            ParsedEvents.source(
                chunk,
                List.of(
                    ByteString.encodeUtf8(
                        "event: big\ndata: " + value + "\ndata: z\n\ndata: small\n\n"))),
            events);
    assertThat(reader.processNextEvent()).isTrue();
    assertThat(reader.processNextEvent()).isTrue(); // The reader recovers its small buffers.
    assertThat(reader.processNextEvent()).isFalse();
    assertThat(events.types).containsExactly("big", "message");
    assertThat(events.data).hasSize(2);
    assertThat(events.data.get(1)).isEqualTo("small");
    assertThat(events.data.get(0)).hasSize(value.length() + 2).startsWith(value).endsWith("\nz");
    assertThat(events.data.get(0).substring(0, value.length())).isEqualTo(value);
  }

  @EveryChunking
  void eventFieldSetsTheTypeAndItIsResetAfterDispatch(int chunk) throws IOException {
    assertThat(
            parse(
                    chunk,
                    "event: add\ndata: a\n\ndata: b\n\n",
                    "event: x\nevent: y\ndata: c\n\nevent:\ndata: d\n\n")
                .records)
        .containsExactly(
            "event type=add data=a id=null",
            message("b"),
            "event type=y data=c id=null",
            message("d"));
  }

  @EveryChunking
  void repeatedEventTypesAreDecodedCorrectlyAcrossManyTypes(int chunk) throws IOException {
    // More distinct types than the reader caches, interleaved, with a shared prefix.
    StringBuilder input = new StringBuilder();
    List<String> expected = new ArrayList<>();
    String[] types = {"data", "control", "datum", "c", "control2", "data", "\u00e9t\u00e9", "x"};
    for (int round = 0; round < 3; round++) {
      for (String type : types) {
        input.append("event: ").append(type).append("\ndata: ").append(round).append("\n\n");
        expected.add("event type=" + type + " data=" + round + " id=null");
      }
    }
    assertThat(parse(chunk, input.toString()).records).containsExactlyElementsOf(expected);
  }

  @Test
  void listenerExceptionPropagates() {
    ServerSentEventReader reader =
        new ServerSentEventReader(
            new Buffer().writeUtf8("data: a\n\n"),
            (type, data, id) -> {
              throw new IOException("listener says no");
            });
    assertThatThrownBy(reader::processNextEvent).hasMessage("listener says no");
  }

  @Test
  void exhaustedReaderKeepsReturningFalse() throws IOException {
    RecordingListener listener = new RecordingListener();
    ServerSentEventReader reader =
        new ServerSentEventReader(new Buffer().writeUtf8("data: a\n\n"), listener);
    assertThat(reader.processNextEvent()).isTrue();
    assertThat(reader.processNextEvent()).isFalse();
    assertThat(reader.processNextEvent()).isFalse();
    assertThat(listener.records).containsExactly(message("a"));
  }

  /** Keeps big payloads out of assertion messages built from strings. */
  private static final class RecordingEvents implements ServerSentEventListener {
    final List<String> types = new ArrayList<>();
    final List<String> data = new ArrayList<>();

    @Override
    public void onEvent(String type, String data, @Nullable String lastEventId) {
      types.add(type);
      this.data.add(data);
    }
  }
}
