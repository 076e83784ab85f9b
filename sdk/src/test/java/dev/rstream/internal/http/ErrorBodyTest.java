package dev.rstream.internal.http;

import static dev.rstream.internal.http.TransportFixture.errorOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.RStreamException;
import dev.rstream.StreamNotFoundException;
import dev.rstream.TransientException;
import dev.rstream.UnexpectedStatusException;
import dev.rstream.durable.AppendResult;
import io.reactivex.rxjava3.observers.TestObserver;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A refusal's body becomes the exception's explanation: whole, bounded, its code exposed. */
class ErrorBodyTest {
  /** server-stub's 400 for a change stamped too early: longer than an excerpt of 200 chars. */
  private static final String LONG_MESSAGE =
      "change 3 of the append has timestamp 2026-11-22T09:00:00.123Z,"
          + " which is earlier than the stream's last timestamp 2026-11-22T09:00:01.456Z; a state stream"
          + " takes changes in time order only, so stamp it at or after that time, or leave the timestamp"
          + " out and the server stamps it with its receive time";

  @RegisterExtension final TransportFixture fixture = new TransportFixture();

  private RStreamException appendRefusedWith(MockResponse response) {
    fixture.server.enqueue(response);
    TestObserver<AppendResult> append =
        fixture.stream().appendJson("{}").test().awaitDone(5, TimeUnit.SECONDS);
    return (RStreamException) errorOf(append);
  }

  @Test
  void aJsonErrorBodyGivesItsWholeMessageAndItsCode() {
    String body =
        "{\"error\":{\"code\":\"timestamp_out_of_order\",\"message\":\"" + LONG_MESSAGE + "\"}}";
    RStreamException error =
        appendRefusedWith(
            new MockResponse.Builder()
                .code(400)
                .addHeader("Content-Type", "application/json")
                .body(body)
                .build());

    assertThat(error).isInstanceOf(UnexpectedStatusException.class);
    assertThat(error.serverCode()).isEqualTo("timestamp_out_of_order");
    assertThat(error.status()).isEqualTo(400);
    assertThat(error.getMessage())
        .contains(
            LONG_MESSAGE,
            "[timestamp_out_of_order]",
            fixture.server.url("/s").toString(),
            "HTTP 400")
        .doesNotContain("{\"error\"");
  }

  @Test
  void aNotFoundNamesTheStreamAndTheServersWordsNotItsJson() {
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(404)
            .body("{\"error\":{\"code\":\"stream_not_found\",\"message\":\"no stream at /s\"}}")
            .build());
    TestObserver<Void> delete = fixture.stream().delete().test().awaitDone(5, TimeUnit.SECONDS);

    RStreamException error = (RStreamException) errorOf(delete);
    assertThat(error).isInstanceOf(StreamNotFoundException.class);
    assertThat(error.serverCode()).isEqualTo("stream_not_found");
    assertThat(error.getMessage())
        .isEqualTo(
            "stream not found: no stream at /s [stream_not_found] ("
                + fixture.server.url("/s")
                + ", HTTP 404)");
  }

  @Test
  void aPlainTextBodyIsTheMessageWithItsWhitespaceCollapsedAndNoCode() {
    RStreamException error =
        appendRefusedWith(
            new MockResponse.Builder()
                .code(400)
                .addHeader("Content-Type", "text/plain")
                .body("  " + LONG_MESSAGE.replace(", ", ",\n\t") + "\n")
                .build());

    assertThat(error.serverCode()).isNull();
    assertThat(error.getMessage()).startsWith("unexpected status: " + LONG_MESSAGE + " (");
  }

  @Test
  void anEmptyBodyLeavesTheStatusAndStreamAlone() {
    RStreamException error = appendRefusedWith(new MockResponse.Builder().code(400).build());

    assertThat(error.serverCode()).isNull();
    assertThat(error.getMessage())
        .isEqualTo("unexpected status (" + fixture.server.url("/s") + ", HTTP 400)");
  }

  @Test
  void aHugeBodyIsCutAtTheBoundAndMarkedSo() {
    String huge = "word ".repeat(200_000); // 1 MB
    RStreamException error =
        appendRefusedWith(new MockResponse.Builder().code(400).body(huge).build());

    String message = error.getMessage();
    assertThat(message).contains("(cut at " + ErrorBody.MAX_TEXT + " characters)", "HTTP 400");
    assertThat(message.length()).isBetween(ErrorBody.MAX_TEXT, ErrorBody.MAX_TEXT + 200);
  }

  @Test
  void aHugeJsonBodyStillGivesTheMessageThatCameFirst() {
    String body =
        "{\"error\":{\"code\":\"too_big\",\"message\":\"body too large\"},\"trace\":\""
            + "x".repeat(ErrorBody.MAX_BYTES * 2)
            + "\"}";
    RStreamException error =
        appendRefusedWith(new MockResponse.Builder().code(413).body(body).build());

    assertThat(error.serverCode()).isEqualTo("too_big");
    assertThat(error.getMessage()).startsWith("unexpected status: body too large [too_big] (");
  }

  @Test
  void aJsonBodyOfAnotherShapeIsKeptAsText() {
    RStreamException error =
        appendRefusedWith(
            new MockResponse.Builder().code(400).body("{\"detail\": \"bad offset\"}").build());

    assertThat(error.serverCode()).isNull();
    assertThat(error.getMessage()).startsWith("unexpected status: {\"detail\": \"bad offset\"} (");
  }

  @Test
  void aTopLevelCodeAndMessageOrAStringErrorAreReadToo() {
    assertThat(ErrorBody.parse("{\"code\":42,\"message\":\"nope\"}".getBytes(), null).detail())
        .isEqualTo(": nope [42]");
    assertThat(
            ErrorBody.parse("{\"error\":\"nope\",\"message\":\"ignored\"}".getBytes(), null)
                .detail())
        .isEqualTo(": nope");
    assertThat(ErrorBody.parse("{\"error\":{\"code\":\"c\"}}".getBytes(), null).detail())
        .isEqualTo(": [c]");
    assertThat(
            ErrorBody.parse("{\"error\":{\"code\":null,\"message\":\"m\"}}".getBytes(), null).code)
        .isNull();
  }

  @Test
  void aTransientRefusalKeepsTheCodeWhenTheRetriesRunOut() {
    for (int i = 0; i < 6; i++) {
      fixture.server.enqueue(
          new MockResponse.Builder()
              .code(503)
              .body("{\"error\":{\"code\":\"overloaded\",\"message\":\"try later\"}}")
              .build());
    }
    TestObserver<AppendResult> append =
        fixture.stream().appendJson("{}").test().awaitDone(5, TimeUnit.SECONDS);

    RStreamException error = (RStreamException) errorOf(append);
    assertThat(error).isInstanceOf(TransientException.class);
    assertThat(error.serverCode()).isEqualTo("overloaded");
    assertThat(error.getMessage())
        .contains("HTTP 503: try later [overloaded]", "gave up after 5 retries");
  }
}
