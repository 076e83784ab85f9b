package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A crowd of SSE readers on one stream (more than LiveReads wakes one by one) is woken by a few
 * pool tasks and shares each read: every reader still gets every message once, in order, from its
 * own offset, and ends when the stream is deleted.
 */
class SseCrowdTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int READERS = 100;

  private StubServer server;
  private Http http;
  private final List<SseEvents> readers = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = StubServer.builder().sseCycle(Duration.ofMinutes(5)).build().start();
    http = new Http(server);
  }

  @AfterEach
  void stop() {
    for (SseEvents reader : readers) reader.close();
    http.close();
    server.close();
  }

  private SseEvents open(String pathAndQuery) throws Exception {
    SseEvents reader = new SseEvents(http, pathAndQuery);
    readers.add(reader);
    assertThat(reader.response.code()).isEqualTo(200);
    return reader;
  }

  private String append(String path, int n) {
    Http.Reply reply = http.post(path, "application/json", "{\"n\":" + n + "}");
    assertThat(reply.code()).isEqualTo(204);
    return reply.nextOffset();
  }

  /**
   * Reads data events until {@code count} messages arrived; returns their n, and the last offset.
   */
  private static List<Integer> messages(SseEvents reader, int count, List<String> offsets)
      throws Exception {
    List<Integer> seen = new ArrayList<>();
    while (seen.size() < count) {
      SseEvents.Event event = reader.next();
      assertThat(event).isNotEqualTo(SseEvents.END);
      if (event.name().equals("data")) {
        for (JsonNode message : JSON.readTree(event.data())) seen.add(message.get("n").asInt());
      } else if (event.name().equals("control")) {
        offsets.add(JSON.readTree(event.data()).get("streamNextOffset").asText());
      }
    }
    // The control event that follows the last data event.
    SseEvents.Event control = reader.next();
    assertThat(control.name()).isEqualTo("control");
    offsets.add(JSON.readTree(control.data()).get("streamNextOffset").asText());
    return seen;
  }

  @Test
  void crowdGetsEveryAppendOnceInOrder() throws Exception {
    assertThat(http.put("crowd", "application/json", "").code()).isEqualTo(201);
    for (int i = 0; i < READERS; i++) open("crowd?offset=now&live=sse");
    awaitLiveReaders(READERS);

    String tail = null;
    for (int n = 0; n < 30; n++) tail = append("crowd", n);

    List<Integer> expected = IntStream.range(0, 30).boxed().collect(Collectors.toList());
    for (SseEvents reader : readers) {
      List<String> offsets = new ArrayList<>();
      assertThat(messages(reader, 30, offsets)).isEqualTo(expected);
      assertThat(offsets.get(offsets.size() - 1)).isEqualTo(tail);
    }
  }

  @Test
  void crowdReadersAtDifferentOffsetsEachGetTheirOwnRest() throws Exception {
    assertThat(http.put("mixed", "application/json", "").code()).isEqualTo(201);
    String middle = null;
    for (int n = 0; n < 10; n++) {
      String offset = append("mixed", n);
      if (n == 4) middle = offset;
    }
    List<SseEvents> fromStart = new ArrayList<>();
    List<SseEvents> fromMiddle = new ArrayList<>();
    for (int i = 0; i < READERS; i++) {
      (i % 2 == 0 ? fromStart : fromMiddle)
          .add(
              open(
                  i % 2 == 0
                      ? "mixed?offset=-1&live=sse"
                      : "mixed?offset=" + middle + "&live=sse"));
    }
    awaitLiveReaders(READERS);
    for (int n = 10; n < 15; n++) append("mixed", n);

    for (SseEvents reader : fromStart) {
      assertThat(messages(reader, 15, new ArrayList<>()))
          .isEqualTo(IntStream.range(0, 15).boxed().collect(Collectors.toList()));
    }
    for (SseEvents reader : fromMiddle) {
      assertThat(messages(reader, 10, new ArrayList<>()))
          .isEqualTo(IntStream.range(5, 15).boxed().collect(Collectors.toList()));
    }
  }

  /**
   * A session that opens after an append another session at the same offset has not read yet must
   * not take that session's older shared read for the tail: it would send only that read, say it is
   * up to date and wait for a wake-up that already happened.
   */
  @Test
  void readerJoiningAfterAnAppendGetsItDespiteAnOlderSharedReadFromItsOffset() throws Exception {
    assertThat(http.put("late", "application/json", "").code()).isEqualTo(201);
    String start = append("late", 1);
    SseEvents first = open("late?offset=" + start + "&live=sse");
    assertThat(first.next().name())
        .as("caught up at once, nothing to share yet")
        .isEqualTo("control");
    append("late", 2);
    List<String> offsets = new ArrayList<>();
    // The first reader's read from `start` (message 2) is now the shared read from that offset.
    assertThat(messages(first, 1, offsets)).containsExactly(2);
    append("late", 3);
    // Open the second reader before the first reads message 3: its read from `start` is still
    // the newest shared read there, and the append of message 3 woke only the first reader.
    SseEvents second = open("late?offset=" + start + "&live=sse");
    assertThat(messages(second, 2, new ArrayList<>())).containsExactly(2, 3);
    assertThat(messages(first, 1, offsets)).containsExactly(3);
  }

  @Test
  void deletingTheStreamEndsEveryReaderOfTheCrowd() throws Exception {
    assertThat(http.put("doomed", "application/json", "").code()).isEqualTo(201);
    for (int i = 0; i < READERS; i++) open("doomed?offset=now&live=sse");
    awaitLiveReaders(READERS);

    assertThat(http.delete("doomed").code()).isEqualTo(204);

    for (SseEvents reader : readers) {
      SseEvents.Event event;
      do {
        event = reader.next();
      } while (event.name().equals("control"));
      assertThat(event).isEqualTo(SseEvents.END);
    }
    awaitLiveReaders(0);
  }

  @Test
  void closingTheStreamEndsEveryReaderOfTheCrowdAfterItsLastMessage() throws Exception {
    assertThat(http.put("closing", "application/json", "").code()).isEqualTo(201);
    for (int i = 0; i < READERS; i++) open("closing?offset=now&live=sse");
    awaitLiveReaders(READERS);

    append("closing", 1);
    assertThat(
            http.post("closing", "application/json", "{\"n\":2}", "Stream-Closed", "true").code())
        .isIn(200, 204);

    for (SseEvents reader : readers) {
      List<Integer> seen = new ArrayList<>();
      SseEvents.Event last = null;
      for (SseEvents.Event event = reader.next();
          !event.equals(SseEvents.END);
          event = reader.next()) {
        if (event.name().equals("data")) {
          for (JsonNode message : JSON.readTree(event.data())) seen.add(message.get("n").asInt());
        }
        last = event;
      }
      assertThat(seen).containsExactly(1, 2);
      assertThat(last).isNotNull();
      assertThat(last.name()).isEqualTo("control");
      assertThat(JSON.readTree(last.data()).path("streamClosed").asBoolean()).isTrue();
    }
    awaitLiveReaders(0);
  }

  private void awaitLiveReaders(int count) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (server.liveReaders() != count && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(server.liveReaders()).isEqualTo(count);
  }
}
