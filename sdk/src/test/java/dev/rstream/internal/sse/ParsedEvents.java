package dev.rstream.internal.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import okio.BufferedSource;
import okio.ByteString;
import okio.Okio;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link ServerSentEventReader} run to the end of some input reported: every callback as a
 * line of {@link RecordingListener}, and the last event id it was left with.
 */
final class ParsedEvents {
  final List<String> records;
  final @Nullable String lastEventId;

  private ParsedEvents(List<String> records, @Nullable String lastEventId) {
    this.records = records;
    this.lastEventId = lastEventId;
  }

  /** The record of a dispatched event of the default type without an id. */
  static String message(String data) {
    return "event type=message data=" + data + " id=null";
  }

  /** Asserts that {@code input} gives exactly {@code expected}, in order. */
  static void assertRecords(int chunk, String input, String... expected) throws IOException {
    assertThat(parse(chunk, input).records).containsExactly(expected);
  }

  /** The record of a dispatched event of the default type with last event id {@code id}. */
  static String event(String data, String id) {
    return "event type=message data=" + data + " id=" + id;
  }

  /** The record of a retry field the reader honoured. */
  static String retry(long millis) {
    return "retry " + millis;
  }

  /** Asserts that {@code chunks} of bytes give exactly {@code expected}, in order. */
  static void assertRecordsOfBytes(int chunk, List<ByteString> chunks, String... expected)
      throws IOException {
    assertThat(parseBytes(chunk, chunks.toArray(new ByteString[0])).records)
        .containsExactly(expected);
  }

  /** Asserts that {@code input} gives exactly {@code expected} and leaves {@code lastEventId}. */
  static void assertRecordsAndLastId(
      int chunk, String input, @Nullable String lastEventId, String... expected)
      throws IOException {
    ParsedEvents parsed = parse(chunk, input);
    assertThat(parsed.records).containsExactly(expected);
    assertThat(parsed.lastEventId).isEqualTo(lastEventId);
  }

  /** Parses chunks of UTF-8 text, re-chunked to at most {@code chunk} bytes per read. */
  static ParsedEvents parse(int chunk, String... chunks) throws IOException {
    ByteString[] bytes = new ByteString[chunks.length];
    for (int i = 0; i < chunks.length; i++) bytes[i] = ByteString.encodeUtf8(chunks[i]);
    return parseBytes(chunk, bytes);
  }

  /**
   * Runs a reader to the end and checks the contract of processNextEvent on the way: true exactly
   * when one event was dispatched by that call.
   */
  private static ParsedEvents parseBytes(int chunk, ByteString... chunks) throws IOException {
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
    return new ParsedEvents(new ArrayList<>(listener.records), reader.lastEventId());
  }

  private static long eventCount(RecordingListener listener) {
    return listener.records.stream().filter(r -> r.startsWith("event ")).count();
  }

  /** {@code chunks} as a source that returns at most {@code chunk} bytes per read. */
  static BufferedSource source(int chunk, List<ByteString> chunks) {
    return Okio.buffer(new ChunkedSource(chunks, chunk));
  }
}
