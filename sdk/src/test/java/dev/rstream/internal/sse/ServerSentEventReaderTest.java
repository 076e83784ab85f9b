package dev.rstream.internal.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import okio.Buffer;
import okio.ByteString;
import okio.Okio;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The WHATWG event stream interpretation, one rule per test. Every parameterised test runs with the
 * input in one chunk, in 1-byte chunks and in 2-byte chunks, so that each rule also holds at every
 * possible chunk boundary.
 */
final class ServerSentEventReaderTest {
  /** Runs a test with the whole input in one read, then 1 byte per read, then 2 bytes per read. */
  @Target(ElementType.METHOD)
  @Retention(RetentionPolicy.RUNTIME)
  @ParameterizedTest(name = "at most {0} bytes per read")
  @ValueSource(ints = {Integer.MAX_VALUE, 1, 2})
  @interface EveryChunking {}

  @EveryChunking
  void lfLineEndings(int chunk) throws IOException {
    assertRecords(chunk, "data: a\n\ndata: b\n\n", message("a"), message("b"));
  }

  @EveryChunking
  void crLineEndings(int chunk) throws IOException {
    assertRecords(chunk, "data: a\r\rdata: b\r\r", message("a"), message("b"));
  }

  @EveryChunking
  void crlfLineEndings(int chunk) throws IOException {
    assertRecords(chunk, "data: a\r\n\r\ndata: b\r\n\r\n", message("a"), message("b"));
  }

  @EveryChunking
  void mixedLineEndingsInOneStream(int chunk) throws IOException {
    assertRecords(chunk, "data: a\rdata: b\ndata: c\r\n\n\r\r\n", message("a\nb\nc"));
  }

  @EveryChunking
  void crAtEndOfChunkAndLfAtStartOfNextAreOneLineEnding(int chunk) throws IOException {
    // A parser that took the LF for an empty line would dispatch "a" and "b" separately.
    assertThat(parse(chunk, "data: a\r", "\ndata: b\r", "\n\r", "\n").records)
        .containsExactly(message("a\nb"));
  }

  @EveryChunking
  void lfAfterCrThenEmptyLineStillDispatches(int chunk) throws IOException {
    assertThat(parse(chunk, "data: a\r", "\n", "\n").records).containsExactly(message("a"));
  }

  @EveryChunking
  void byteOrderMarkAtStartIsStripped(int chunk) throws IOException {
    assertRecords(chunk, "\uFEFFdata: a\n\n", message("a"));
  }

  @EveryChunking
  void byteOrderMarkSplitAcrossChunksIsStripped(int chunk) throws IOException {
    ByteString bom = ByteString.decodeHex("efbbbf");
    assertThat(
            parseBytes(
                    chunk,
                    bom.substring(0, 1),
                    bom.substring(1, 2),
                    new Buffer()
                        .write(bom.substring(2, 3))
                        .writeUtf8("data: a\n\n")
                        .readByteString())
                .records)
        .containsExactly(message("a"));
  }

  @EveryChunking
  void onlyTheFirstByteOrderMarkIsStripped(int chunk) throws IOException {
    // The second BOM becomes part of the field name "\uFEFFdata", an unknown field.
    assertRecords(chunk, "\uFEFF\uFEFFdata: a\n\ndata: b\n\n", message("b"));
  }

  @EveryChunking
  void byteOrderMarkLaterInTheStreamIsKept(int chunk) throws IOException {
    assertRecords(chunk, "data: a\n\ndata: \uFEFFb\n\n", message("a"), message("\uFEFFb"));
  }

  @EveryChunking
  void streamStartingWithPartOfAByteOrderMarkKeepsThoseBytes(int chunk) throws IOException {
    // EF BB followed by 'x' is no BOM: those bytes are invalid UTF-8 in the field name.
    Buffer input = new Buffer().write(ByteString.decodeHex("efbb")).writeUtf8("x\ndata: a\n\n");
    assertThat(parseBytes(chunk, input.readByteString()).records).containsExactly(message("a"));
  }

  @EveryChunking
  void multiByteUtf8SplitAcrossChunks(int chunk) throws IOException {
    ByteString text = ByteString.encodeUtf8("data: h\u00e9 \u20ac \uD834\uDD1E\n\n");
    // Cut inside the 2-, 3- and 4-byte sequences as well as wherever the chunking cuts.
    assertThat(
            parseBytes(
                    chunk,
                    text.substring(0, 8),
                    text.substring(8, 12),
                    text.substring(12, 16),
                    text.substring(16))
                .records)
        .containsExactly(message("h\u00e9 \u20ac \uD834\uDD1E"));
  }

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
  void eventWithoutDataIsNotDispatchedButItsIdIsCommitted(int chunk) throws IOException {
    Parsed parsed = parse(chunk, "id: 1\nevent: ignored\n\ndata: x\n\n");
    assertThat(parsed.records).containsExactly("event type=message data=x id=1");
    assertThat(parsed.lastEventId).isEqualTo("1");
  }

  @EveryChunking
  void idOnlyEventUpdatesLastEventIdWithoutDispatching(int chunk) throws IOException {
    Parsed parsed = parse(chunk, "id: 7\n\n");
    assertThat(parsed.records).isEmpty();
    assertThat(parsed.lastEventId).isEqualTo("7");
  }

  @EveryChunking
  void idContainingNulIsIgnored(int chunk) throws IOException {
    Parsed parsed = parse(chunk, "id: 1\n\nid: a\u0000b\ndata: x\n\n");
    assertThat(parsed.records).containsExactly("event type=message data=x id=1");
    assertThat(parsed.lastEventId).isEqualTo("1");
  }

  @EveryChunking
  void lastIdKeptUntilChangedAndClearedByEmptyId(int chunk) throws IOException {
    Parsed parsed =
        parse(
            chunk,
            "id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\nid\ndata: d\n\n"
                + "id: 3\n\nid:\ndata: e\n\n");
    assertThat(parsed.records)
        .containsExactly(
            "event type=message data=a id=1",
            "event type=message data=b id=1",
            "event type=message data=c id=2",
            message("d"),
            message("e"));
    assertThat(parsed.lastEventId).isNull();
  }

  @EveryChunking
  void lastIdOfTheEventWins(int chunk) throws IOException {
    assertRecords(chunk, "id: 1\nid: 2\ndata: a\n\n", "event type=message data=a id=2");
  }

  @EveryChunking
  void retryHonouredOnlyWhenAllAsciiDigits(int chunk) throws IOException {
    assertRecords(
        chunk,
        "retry: 1500\nretry: 15x\nretry: -1\nretry:\nretry\nretry:  5\nretry: 1.5\n"
            + "retry: \u0661\nretry:0\ndata: a\n\n",
        "retry 1500",
        "retry 0",
        message("a"));
  }

  @EveryChunking
  void retryTooLargeForALongIsClampedNotACrash(int chunk) throws IOException {
    assertRecords(
        chunk,
        "retry: 99999999999999999999999\nretry: 9223372036854775807\n",
        "retry " + Long.MAX_VALUE,
        "retry " + Long.MAX_VALUE);
  }

  @EveryChunking
  void unknownFieldsAreIgnoredAndNamesAreCaseSensitive(int chunk) throws IOException {
    assertRecords(chunk, "foo: bar\nDATA: x\ndat: y\ndatas: z\ndata: w\n\n", message("w"));
  }

  @EveryChunking
  void incompleteEventAtEndOfStreamIsDiscarded(int chunk) throws IOException {
    Parsed parsed = parse(chunk, "id: 1\ndata: a\n\nid: 2\nevent: e\ndata: b\n");
    assertThat(parsed.records).containsExactly("event type=message data=a id=1");
    assertThat(parsed.lastEventId).isEqualTo("1");
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
            source(
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
  void invalidUtf8IsReplacedNotACrash(int chunk) throws IOException {
    Buffer input =
        new Buffer()
            .writeUtf8("data: a")
            .writeByte(0xff)
            .writeUtf8("b")
            .write(ByteString.decodeHex("e282"))
            .writeUtf8("c\nevent: t")
            .writeByte(0x80)
            .writeUtf8("\n\n");
    assertThat(parseBytes(chunk, input.readByteString()).records)
        .containsExactly("event type=t\uFFFD data=a\uFFFDb\uFFFDc id=null");
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

  @EveryChunking
  void initialLastEventIdSurvivesAReconnect(int chunk) throws IOException {
    RecordingListener listener = new RecordingListener();
    ServerSentEventReader reader =
        new ServerSentEventReader(
            source(chunk, List.of(ByteString.encodeUtf8("data: a\n\nid: 6\ndata: b\n\n"))),
            listener,
            "5");
    assertThat(reader.lastEventId()).isEqualTo("5");
    while (reader.processNextEvent()) {}
    assertThat(listener.records)
        .containsExactly("event type=message data=a id=5", "event type=message data=b id=6");
    assertThat(reader.lastEventId()).isEqualTo("6");
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

  /** Asserts that {@code input} gives exactly {@code expected}, in order. */
  private static void assertRecords(int chunk, String input, String... expected)
      throws IOException {
    assertThat(parse(chunk, input).records).containsExactly(expected);
  }

  /** The record of a dispatched event of the default type without an id. */
  private static String message(String data) {
    return "event type=message data=" + data + " id=null";
  }

  private static final class Parsed {
    final List<String> records;
    final @Nullable String lastEventId;

    Parsed(List<String> records, @Nullable String lastEventId) {
      this.records = records;
      this.lastEventId = lastEventId;
    }
  }

  /** Parses chunks of UTF-8 text, re-chunked to at most {@code chunk} bytes per read. */
  private static Parsed parse(int chunk, String... chunks) throws IOException {
    ByteString[] bytes = new ByteString[chunks.length];
    for (int i = 0; i < chunks.length; i++) bytes[i] = ByteString.encodeUtf8(chunks[i]);
    return parseBytes(chunk, bytes);
  }

  /**
   * Runs a reader to the end and checks the contract of processNextEvent on the way: true exactly
   * when one event was dispatched by that call.
   */
  private static Parsed parseBytes(int chunk, ByteString... chunks) throws IOException {
    RecordingListener listener = new RecordingListener();
    ServerSentEventReader reader =
        new ServerSentEventReader(source(chunk, Arrays.asList(chunks)), listener);
    while (true) {
      long eventsBefore = eventCount(listener);
      boolean dispatched = reader.processNextEvent();
      assertThat(eventCount(listener)).isEqualTo(eventsBefore + (dispatched ? 1 : 0));
      if (!dispatched) break;
    }
    assertThat(reader.processNextEvent()).isFalse();
    return new Parsed(listener.records, reader.lastEventId());
  }

  private static long eventCount(RecordingListener listener) {
    return listener.records.stream().filter(r -> r.startsWith("event ")).count();
  }

  private static okio.BufferedSource source(int chunk, List<ByteString> chunks) {
    return Okio.buffer(new ChunkedSource(chunks, chunk));
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
