package dev.rstream.examples.cli;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.server.StubServer;
import dev.rstream.server.workload.Workload;
import dev.rstream.testing.UndeliveredRxErrors;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the {@code rstream} commands in process against a {@link StubServer} on a random port, each
 * test on its own state stream written by a {@link Workload}: 30 changes, a keyframe every 10, so 4
 * keyframes (the stream's first one included).
 */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CHANGES_PER_KEYFRAME = 10;
  private static final int KEYFRAMES = 4;
  private static final AtomicInteger streams = new AtomicInteger();

  private static StubServer server;

  private String url = "";

  @BeforeAll
  static void startServer() throws IOException {
    server = StubServer.builder().memory().build().start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void writeStream(TestInfo test) throws Exception {
    url =
        server.streamUrl(
            "cli/"
                + test.getTestMethod().orElseThrow().getName()
                + "-"
                + streams.incrementAndGet());
    // A batch of changes at a time, waiting for its keyframe: the server writes keyframes on its
    // own thread, and one that is late covers more changes, so writing on would make fewer.
    for (int batch = 1; batch < KEYFRAMES; batch++) {
      Workload.builder()
          .streamUrl(URI.create(url))
          .seed(batch)
          .count(CHANGES_PER_KEYFRAME)
          .rate(5_000)
          .keyframePolicy("changes=" + CHANGES_PER_KEYFRAME + ", interval=60s")
          .build()
          .run();
      keyframes(batch + 1);
    }
  }

  @Test
  void atPrintsTheStateTheClientGivesForThatTime() throws Exception {
    List<JsonNode> index = keyframes(KEYFRAMES);
    // A time inside a committed window, between its keyframe and the next one.
    Instant time = Instant.parse(index.get(1).get("timestamp").asText());

    Run run = run("at", url, time.toString());

    assertThat(run.exitCode).as(run.err).isZero();
    assertThat(run.out.lines().count()).as("pretty by default").isGreaterThan(3);
    JsonNode printed = JSON.readTree(run.out);
    try (RStreamClient client = RStreamClient.builder().streamUrl(url).build()) {
      StateView expected = client.window(time).blockingFirst();
      assertThat(printed.get("offset").asText()).isEqualTo(expected.offset().value());
      assertThat(printed.get("window").asText()).isEqualTo(expected.windowId());
      assertThat(Instant.parse(printed.get("timestamp").asText())).isEqualTo(expected.timestamp());
      assertThat(printed.get("state")).isEqualTo(stateOf(expected));
      assertThat(expected.size()).isPositive();
    }
  }

  @Test
  void atWithCompactPrintsOneLine() throws Exception {
    Run run = run("at", url, "now", "--compact");

    assertThat(run.exitCode).as(run.err).isZero();
    assertThat(run.out.lines().count()).isEqualTo(1);
    try (RStreamClient client = RStreamClient.builder().streamUrl(url).build()) {
      StateView live = client.live().blockingFirst();
      assertThat(JSON.readTree(run.out).get("state")).isEqualTo(stateOf(live));
    }
  }

  @Test
  void windowsListsTheKeyframesOfTheIndex() throws Exception {
    List<JsonNode> index = keyframes(KEYFRAMES);

    Run json = run("windows", url, "--json");

    assertThat(json.exitCode).as(json.err).isZero();
    JsonNode printed = JSON.readTree(json.out);
    assertThat(printed.get("keyframes")).hasSize(KEYFRAMES);
    JsonNode windows = printed.get("windows");
    assertThat(windows).hasSize(KEYFRAMES);
    for (int k = 0; k < KEYFRAMES; k++) {
      JsonNode keyframe = printed.get("keyframes").get(k);
      assertThat(keyframe.get("offset")).isEqualTo(index.get(k).get("offset"));
      if (index.get(k).has("timestamp")) {
        assertThat(Instant.parse(keyframe.get("timestamp").asText()))
            .isEqualTo(Instant.parse(index.get(k).get("timestamp").asText()));
      } else {
        // The initial keyframe has no timestamp (docs/PROTOCOL.md 3.2): printed as null.
        assertThat(keyframe.get("timestamp").isNull()).as("keyframe %d", k).isTrue();
      }
      JsonNode window = windows.get(k);
      assertThat(window.get("start")).isEqualTo(keyframe);
      assertThat(window.get("state").asText()).isEqualTo(k < KEYFRAMES - 1 ? "COMMITTED" : "LIVE");
      if (k < KEYFRAMES - 1)
        assertThat(window.get("end")).isEqualTo(printed.get("keyframes").get(k + 1));
      else assertThat(window.get("end").isNull()).isTrue();
    }

    Run table = run("windows", url);

    assertThat(table.exitCode).as(table.err).isZero();
    List<String> lines = table.out.lines().toList();
    assertThat(lines).hasSize(KEYFRAMES + 2); // summary, header, one row per window
    assertThat(lines.get(0)).startsWith(KEYFRAMES + " keyframes, " + KEYFRAMES + " windows");
    for (int k = 0; k < KEYFRAMES; k++) {
      assertThat(lines.get(k + 2)).contains(index.get(k).get("offset").asText());
    }
    assertThat(lines.get(KEYFRAMES + 1)).contains("LIVE").contains("(tail)");
  }

  @Test
  void appendThenAtShowsTheChange() throws Exception {
    Run append =
        run(
            "append",
            url,
            "[{\"type\":\"cli\",\"key\":\"a\",\"value\":{\"n\":1},\"headers\":{\"operation\":\"insert\"}},"
                + "{\"type\":\"cli\",\"key\":\"b\",\"value\":\"two\",\"headers\":{\"operation\":\"insert\"}}]");

    assertThat(append.exitCode).as(append.err).isZero();
    Offset appended = Offset.of(append.out.strip());
    assertThat(appended)
        .isEqualTo(DurableStream.builder().url(url).build().head().blockingGet().nextOffset());

    Run delete =
        run(
            "append",
            url,
            "{\"type\":\"cli\",\"key\":\"b\",\"headers\":{\"operation\":\"delete\"}}");
    assertThat(delete.exitCode).as(delete.err).isZero();
    assertThat(Offset.of(delete.out.strip())).isGreaterThan(appended);

    Run at = run("at", url, "now", "--compact");

    assertThat(at.exitCode).as(at.err).isZero();
    JsonNode state = JSON.readTree(at.out).get("state");
    assertThat(state.get("cli")).isEqualTo(JSON.readTree("{\"a\":{\"n\":1}}"));
  }

  @Test
  void tailPrintsAChangeAppendedAfterItStarted() throws Exception {
    LineQueue out = new LineQueue();
    StringWriter err = new StringWriter();
    AtomicReference<@Nullable Integer> exitCode = new AtomicReference<>();
    Thread tail =
        new Thread(
            () ->
                exitCode.set(
                    RStreamCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                        .execute("tail", url)),
            "rstream-tail-test");
    tail.start();
    try {
      String first = out.poll(10);
      assertThat(first).as(err.toString()).isNotNull();
      JsonNode head = JSON.readTree(first);
      try (RStreamClient client = RStreamClient.builder().streamUrl(url).build()) {
        StateView live = client.live().blockingFirst();
        assertThat(head.get("size").asInt()).isEqualTo(live.size());
        assertThat(head.get("offset").asText()).isEqualTo(live.offset().value());
      }

      Run append =
          run(
              "append",
              url,
              "{\"type\":\"cli\",\"key\":\"tailed\",\"value\":[1,2],\"headers\":{\"operation\":\"update\"}}");
      assertThat(append.exitCode).as(append.err).isZero();

      String line = out.poll(10);
      assertThat(line).as("the appended change, " + err).isNotNull();
      JsonNode change = JSON.readTree(line);
      assertThat(change.get("operation").asText()).isEqualTo("update");
      assertThat(change.get("type").asText()).isEqualTo("cli");
      assertThat(change.get("key").asText()).isEqualTo("tailed");
      assertThat(change.get("value")).isEqualTo(JSON.readTree("[1,2]"));
      assertThat(change.get("offset").asText()).isEqualTo(append.out.strip());
      assertThat(change.get("timestamp").asText()).isNotEmpty();
    } finally {
      tail.interrupt();
      tail.join(SECONDS.toMillis(10));
    }
    assertThat(tail.isAlive()).isFalse();
    assertThat(exitCode.get()).as(err.toString()).isEqualTo(ExitCode.OK);
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void tailEndsWhenItsOutputIsClosed() throws Exception {
    // As in `rstream tail URL | head -2`: the reader takes two lines and goes away.
    ClosingOutput out = new ClosingOutput(2);
    StringWriter err = new StringWriter();
    AtomicReference<@Nullable Integer> exitCode = new AtomicReference<>();
    Thread tail =
        new Thread(
            () ->
                exitCode.set(
                    RStreamCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                        .execute("tail", url)),
            "rstream-tail-test");
    tail.start();
    try {
      assertThat(out.poll(10)).as("the state line, " + err).isNotNull();
      // One line each: the first is the reader's last, the second finds the output closed.
      for (String key : List.of("read", "unread")) {
        Run append =
            run(
                "append",
                url,
                "{\"type\":\"cli\",\"key\":\""
                    + key
                    + "\",\"value\":1,\"headers\":{\"operation\":\"update\"}}");
        assertThat(append.exitCode).as(append.err).isZero();
      }
      assertThat(out.poll(10)).as("the first change").contains("\"read\"");

      tail.join(SECONDS.toMillis(10));
      assertThat(tail.isAlive()).as("tail still running with its output closed").isFalse();
    } finally {
      tail.interrupt();
      tail.join(SECONDS.toMillis(10));
    }
    assertThat(exitCode.get()).isEqualTo(ExitCode.OK);
    assertThat(err.toString()).isEmpty();
    assertThat(out.refused()).isPositive();
  }

  @Test
  void tailGivesUpWhenTheServerStaysDown() throws Exception {
    StubServer doomed = StubServer.builder().memory().build().start();
    String doomedUrl = doomed.streamUrl("cli/doomed");
    try {
      Workload.builder().streamUrl(URI.create(doomedUrl)).count(3).rate(5_000).build().run();
      LineQueue out = new LineQueue();
      LineQueue err = new LineQueue();
      AtomicReference<@Nullable Integer> exitCode = new AtomicReference<>();
      Thread tail =
          new Thread(
              () ->
                  exitCode.set(
                      RStreamCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                          .execute("tail", doomedUrl, "--timeout", "1s")),
              "rstream-tail-test");
      tail.start();
      assertThat(out.poll(10)).as("the state line").isNotNull();

      doomed.close();

      assertThat(err.poll(10))
          .isEqualTo("rstream tail: lost the connection, retrying for up to 1 s");
      assertThat(err.poll(10))
          .isEqualTo("rstream tail: lost " + doomedUrl + " and could not reconnect within 1 s");
      tail.join(SECONDS.toMillis(10));
      assertThat(tail.isAlive()).isFalse();
      assertThat(exitCode.get()).isEqualTo(ExitCode.UNAVAILABLE);
      assertThat(out.poll(0)).isNull();
    } finally {
      doomed.close();
    }
  }

  @Test
  void malformedUrlExitsWithItsCode() {
    Run run = run("at", "not a url", "now");

    assertThat(run.exitCode).isEqualTo(ExitCode.BAD_URL);
    assertThat(run.err)
        .isEqualTo("rstream at: malformed URL: 'not a url' (want http(s)://host[:port]/path)\n");
  }

  @Test
  void timeBeforeTheFirstChangeIsTheEmptyState() throws Exception {
    // server-stub's initial keyframe has no timestamp: before the first change, nothing exists.
    Run run = run("at", url, "2000-01-01T00:00:00Z", "--compact");

    assertThat(run.exitCode).as(run.err).isEqualTo(ExitCode.OK);
    assertThat(JSON.readTree(run.out).get("state").size()).isZero();
  }

  @Test
  void relativeTimeIsATimeNotAnOption() throws Exception {
    // The stream is seconds old: a day ago is before its first change, so its state is empty.
    Run run = run("at", url, "-1d", "--compact");

    assertThat(run.exitCode).as(run.err).isEqualTo(ExitCode.OK);
    assertThat(JSON.readTree(run.out).get("state").size()).isZero();
  }

  @Test
  void aTextStreamIsNotAStateStreamRatherThanAServerDown() {
    String text = server.streamUrl("cli/text-" + streams.incrementAndGet());
    DurableStream stream = DurableStream.builder().url(text).build();
    stream.create(CreateOptions.builder().contentType("text/plain").build()).blockingGet();
    stream.append("hello world".getBytes(StandardCharsets.UTF_8), "text/plain").blockingGet();

    for (String[] command :
        List.of(
            new String[] {"at", text, "-1h"},
            new String[] {"at", text, "now"},
            new String[] {"tail", text})) {
      Run run = run(command);

      assertThat(run.exitCode).as(run.err).isEqualTo(ExitCode.NOT_A_STATE_STREAM);
      assertThat(run.err)
          .as(command[0])
          .startsWith(
              "rstream " + command[0] + ": not a state stream: its content type is text/plain")
          .contains(text);
      assertThat(run.err.lines()).hasSize(1);
    }
  }

  @Test
  void aPastTimeIsOutOfRangeInAStreamWithoutTimestampsButNowIsNot() throws Exception {
    String plain = server.streamUrl("cli/untimed-" + streams.incrementAndGet());
    DurableStream stream = DurableStream.builder().url(plain).build();
    stream.create(CreateOptions.builder().contentType("application/json").build()).blockingGet();
    stream
        .appendJson(
            "{\"type\":\"cli\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\"}}")
        .blockingGet();

    Run past = run("at", plain, "-1h");
    assertThat(past.exitCode).as(past.err).isEqualTo(ExitCode.OUT_OF_RANGE);
    assertThat(past.err).startsWith("rstream at: no state at ").contains("carry no timestamps");
    assertThat(past.out).isEmpty();

    Run now = run("at", plain, "now", "--compact");
    assertThat(now.exitCode).as(now.err).isZero();
    JsonNode printed = JSON.readTree(now.out);
    assertThat(printed.get("state").get("cli").get("k").asInt()).isEqualTo(1);
    assertThat(printed.get("timestamp").isNull()).as("unknown, not 1970").isTrue();
  }

  @Test
  void serverDownExitsUnavailableWithoutRetryingForever() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    String down = "http://127.0.0.1:" + closedPort + "/v1/stream/cli/down";
    for (String[] command :
        List.of(
            new String[] {"at", down, "now"},
            new String[] {"windows", down},
            new String[] {"tail", down},
            new String[] {
              "append",
              down,
              "{\"type\":\"t\",\"key\":\"k\",\"headers\":{\"operation\":\"delete\"}}"
            })) {
      Run run = run(command);

      assertThat(run.exitCode).as(command[0]).isEqualTo(ExitCode.UNAVAILABLE);
      assertThat(run.err)
          .startsWith("rstream " + command[0] + ": server unavailable: ")
          .contains(down);
      assertThat(run.err.lines()).hasSize(1);
    }
  }

  @Test
  void missingStreamExitsNotFound() {
    String missing = server.streamUrl("cli/does-not-exist");

    Run run = run("windows", missing);

    assertThat(run.exitCode).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(run.err)
        .startsWith("rstream windows: stream not found (")
        .contains(missing)
        .contains("404");
    assertThat(run.err.lines()).hasSize(1);
  }

  @Test
  void verbosePrintsTheStackTrace() {
    Run run = run("--verbose", "at", server.streamUrl("cli/does-not-exist"), "now");

    assertThat(run.exitCode).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(run.err.lines().count()).isGreaterThan(2);
    assertThat(run.err).contains("dev.rstream.StreamNotFoundException").contains("\tat ");
  }

  @Test
  void malformedJsonIsRefusedAndNothingIsAppended() throws Exception {
    Offset before = DurableStream.builder().url(url).build().head().blockingGet().nextOffset();

    Run malformed = run("append", url, "{\"type\":\"cli\",");
    assertThat(malformed.exitCode).isEqualTo(ExitCode.BAD_JSON);
    assertThat(malformed.err).startsWith("rstream append: malformed JSON at line 1, column ");
    assertThat(malformed.err.lines()).hasSize(1);

    Map<String, String> notStateProtocol =
        Map.of(
            "{\"type\":\"cli\",\"key\":\"k\",\"value\":1}", "change has no \"headers\" object",
            "{\"type\":\"cli\",\"value\":1,\"headers\":{\"operation\":\"insert\"}}",
                "needs a non-empty string \"key\"",
            "{\"type\":\"cli\",\"key\":\"k\",\"headers\":{\"operation\":\"insert\"}}",
                "is an insert with no \"value\"",
            "{\"type\":\"cli\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"upsert\"}}",
                "\"upsert\"",
            "[{\"type\":\"cli\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\"}},3]",
                "change [1] is not a JSON object",
            "{\"headers\":{\"control\":\"snapshot-start\"}}", "control message",
            "[]", "the array is empty",
            "{\"type\":\"a\",\"key\":\"b\",\"value\":1,\"headers\":{\"operation\":\"insert\"}} {}",
                "malformed JSON");
    for (Map.Entry<String, String> input : notStateProtocol.entrySet()) {
      Run run = run("append", url, input.getKey());

      assertThat(run.exitCode).as(input.getKey()).isEqualTo(ExitCode.BAD_JSON);
      assertThat(run.err).as(input.getKey()).contains(input.getValue());
      assertThat(run.err.lines()).hasSize(1);
    }
    assertThat(DurableStream.builder().url(url).build().head().blockingGet().nextOffset())
        .isEqualTo(before);
  }

  @Test
  void unparsableTimeIsAUsageError() {
    Run run = run("at", url, "yesterday");

    assertThat(run.exitCode).isEqualTo(ExitCode.USAGE);
    assertThat(run.err).contains("not a time: 'yesterday'");

    Run typo = run("at", url, "-5x");

    assertThat(typo.exitCode).isEqualTo(ExitCode.USAGE);
    assertThat(typo.err).contains("not a time: '-5x'").contains("-5m");
    Run suggested = run("at", url, "-5m", "--compact");
    assertThat(suggested.exitCode)
        .as("what the message suggests is a time: " + suggested.err)
        .isNotEqualTo(ExitCode.USAGE);
  }

  @Test
  void helpListsTheCommandsAndExitCodes() {
    Run run = run("--help");

    assertThat(run.exitCode).isZero();
    assertThat(run.out)
        .contains("tail", "at", "windows", "append", "Exit codes:")
        .containsPattern("(?m)^ +7 +server down")
        .containsPattern("(?m)^ +10 +not a state stream");
  }

  /** The state of {@code view} as the CLI prints it: type → key → value, built independently. */
  private static JsonNode stateOf(StateView view) throws IOException {
    ObjectNode state = JSON.createObjectNode();
    for (String type : view.types()) {
      ObjectNode entities = state.putObject(type);
      for (Map.Entry<String, String> e : new TreeMap<>(view.entities(type)).entrySet()) {
        entities.set(e.getKey(), JSON.readTree(e.getValue()));
      }
    }
    return state;
  }

  /**
   * The first {@code count} entries of the stream's keyframe index, waiting for them to be written.
   */
  private List<JsonNode> keyframes(int count) {
    return DurableStream.builder()
        .url(url + ".keyframes")
        .build()
        .read(ReadOptions.builder().liveMode(LiveMode.LONG_POLL).build(), MessageDecoder.jsonNode())
        .concatMapIterable(ReadBatch::messages)
        .take(count)
        .toList()
        .timeout(10, SECONDS)
        .blockingGet();
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        RStreamCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
            .execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  private record Run(int exitCode, String out, String err) {}

  /**
   * Standard output whose reader stops after {@code lines} lines: later writes fail, as writes to a
   * pipe whose reader exited do.
   */
  private static final class ClosingOutput extends Writer {
    private final int lines;
    private final BlockingQueue<String> accepted = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private final AtomicInteger refused = new AtomicInteger();
    private int complete;

    ClosingOutput(int lines) {
      this.lines = lines;
    }

    @Override
    public synchronized void write(char[] chars, int off, int len) throws IOException {
      for (int i = off; i < off + len; i++) {
        if (complete >= lines) {
          refused.incrementAndGet();
          throw new IOException("Broken pipe");
        }
        if (chars[i] == '\n') {
          complete++;
          accepted.add(partial.toString());
          partial.setLength(0);
        } else {
          partial.append(chars[i]);
        }
      }
    }

    /** The next line the reader took, or null if none came within {@code seconds}. */
    @Nullable String poll(long seconds) throws InterruptedException {
      return accepted.poll(seconds, SECONDS);
    }

    /** How many writes failed. */
    int refused() {
      return refused.get();
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
