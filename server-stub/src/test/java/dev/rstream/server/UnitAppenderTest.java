package dev.rstream.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.server.state.AppendRejectedException;
import dev.rstream.server.state.UnitAppender;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.StreamClosedException;
import dev.rstream.server.storage.StreamMeta;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The conventions' own units go through the same append path as clients' (hooks, offsets). */
class UnitAppenderTest {
  private static final RecordingConventions conventions = new RecordingConventions();
  private static StubServer server;
  private static Http http;

  @BeforeAll
  static void start() throws Exception {
    server = StubServer.builder().conventions(conventions).build().start();
    http = new Http(server);
  }

  @AfterAll
  static void stop() {
    http.close();
    server.close();
  }

  private static UnitAppender appender() {
    UnitAppender appender = conventions.appender;
    assertThat(appender).as("start(appender) was called").isNotNull();
    return appender;
  }

  private static List<byte[]> unit(String... messages) {
    return java.util.Arrays.stream(messages).map(m -> m.getBytes(UTF_8)).toList();
  }

  private static StreamMeta jsonMeta(String path) {
    return new StreamMeta(path, 0, "application/json", null, null, null, 0, 0, false, null);
  }

  @Test
  void createsTheStreamWhenAskedAndStampsOffsetsLikeAnyUnit() throws Exception {
    conventions.events.clear();
    long tail =
        appender()
            .appendUnit(
                "unit/index",
                unit("{\"offset\":\"x\"}", "{\"headers\":{\"control\":\"reset\"}}"),
                jsonMeta("unit/index"))
            .get(5, SECONDS);
    Http.Reply read = http.get("unit/index");
    assertThat(read.code()).isEqualTo(200);
    assertThat(read.nextOffset()).endsWith(String.format("%016x", tail));
    assertThat(read.body())
        .startsWith("[{\"offset\":\"x\"},{\"headers\":{\"control\":\"reset\",\"offset\":\"")
        .contains(read.nextOffset());
    // headers.offset needs the incarnation, so the unit follows the creation (and afterCreate).
    assertThat(conventions.events.poll(5, SECONDS)).isEqualTo("afterCreate unit/index");
    assertThat(conventions.events.poll(5, SECONDS)).isEqualTo("afterAppend unit/index 2 " + tail);

    long next = appender().appendUnit("unit/index", unit("3"), null).get(5, SECONDS);
    assertThat(next).isEqualTo(tail + 1);
    assertThat(conventions.events.poll(5, SECONDS)).isEqualTo("afterAppend unit/index 1 " + next);
  }

  @Test
  void failsWithoutCreatingWhenTheStreamIsMissing() {
    assertThatThrownBy(() -> appender().appendUnit("unit/missing", unit("1"), null).get(5, SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(NoSuchStreamException.class);
    assertThat(http.get("unit/missing").code()).isEqualTo(404);
  }

  @Test
  void failsOnAClosedStream() {
    http.put("unit/closed", "application/json", "[1]", "Stream-Closed", "true");
    assertThatThrownBy(() -> appender().appendUnit("unit/closed", unit("2"), null).get(5, SECONDS))
        .hasCauseInstanceOf(StreamClosedException.class);
    assertThat(http.get("unit/closed").body()).isEqualTo("[1]");
  }

  @Test
  void rejectionByTheHooksFailsTheUnitAndStoresNothing() {
    http.put("unit/rejected", "application/json", "");
    assertThatThrownBy(
            () ->
                appender()
                    .appendUnit(
                        "unit/rejected", unit("\"" + RecordingConventions.REJECT + "\""), null)
                    .get(5, SECONDS))
        .hasCauseInstanceOf(AppendRejectedException.class);
    assertThat(http.get("unit/rejected").body()).isEqualTo("[]");
  }

  @Test
  void wakesLiveReaders() throws Exception {
    http.put("unit/live", "application/json", "");
    try (SseEvents sse = new SseEvents(http, "unit/live?offset=-1&live=sse")) {
      assertThat(sse.next().name()).isEqualTo("control");
      long deadline = System.nanoTime() + SECONDS.toNanos(5);
      while (server.liveReaders() == 0 && System.nanoTime() < deadline) Thread.sleep(5);
      appender().appendUnit("unit/live", unit("{\"k\":1}"), null).get(5, SECONDS);
      assertThat(sse.next().data()).isEqualTo("[{\"k\":1}]");
    }
  }
}
