package dev.rstream.internal.sse;

import static dev.rstream.internal.sse.ParsedEvents.assertRecords;
import static dev.rstream.internal.sse.ParsedEvents.assertRecordsAndLastId;
import static dev.rstream.internal.sse.ParsedEvents.event;
import static dev.rstream.internal.sse.ParsedEvents.message;
import static dev.rstream.internal.sse.ParsedEvents.parse;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import okio.ByteString;

/**
 * The last event id of the WHATWG event stream interpretation: set by the id field, committed at
 * dispatch, kept until changed, and given in by a reconnect. Every parameterised test runs with
 * each {@link EveryChunking}.
 */
final class ServerSentEventReaderIdTest {
  @EveryChunking
  void eventWithoutDataIsNotDispatchedButItsIdIsCommitted(int chunk) throws IOException {
    assertRecordsAndLastId(chunk, "id: 1\nevent: ignored\n\ndata: x\n\n", "1", event("x", "1"));
  }

  @EveryChunking
  void idOnlyEventUpdatesLastEventIdWithoutDispatching(int chunk) throws IOException {
    assertRecordsAndLastId(chunk, "id: 7\n\n", "7");
  }

  @EveryChunking
  void idContainingNulIsIgnored(int chunk) throws IOException {
    assertRecordsAndLastId(chunk, "id: 1\n\nid: a\u0000b\ndata: x\n\n", "1", event("x", "1"));
  }

  @EveryChunking
  void lastIdKeptUntilChangedAndClearedByEmptyId(int chunk) throws IOException {
    ParsedEvents parsed =
        parse(
            chunk,
            "id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\nid\ndata: d\n\n"
                + "id: 3\n\nid:\ndata: e\n\n");
    assertThat(parsed.records)
        .containsExactly(
            event("a", "1"), event("b", "1"), event("c", "2"), message("d"), message("e"));
    assertThat(parsed.lastEventId).isNull();
  }

  @EveryChunking
  void lastIdOfTheEventWins(int chunk) throws IOException {
    assertRecords(chunk, "id: 1\nid: 2\ndata: a\n\n", event("a", "2"));
  }

  @EveryChunking
  void initialLastEventIdSurvivesAReconnect(int chunk) throws IOException {
    RecordingListener listener = new RecordingListener();
    ServerSentEventReader reader =
        new ServerSentEventReader(
            ParsedEvents.source(
                chunk, List.of(ByteString.encodeUtf8("data: a\n\nid: 6\ndata: b\n\n"))),
            listener,
            "5");
    assertThat(reader.lastEventId()).isEqualTo("5");
    while (reader.processNextEvent()) {}
    assertThat(listener.records).containsExactly(event("a", "5"), event("b", "6"));
    assertThat(reader.lastEventId()).isEqualTo("6");
  }
}
