package dev.rstream.examples.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.server.StubServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drives the adapter in-process, as the suite's runner would, against the stub server: one JSON
 * line in, exactly one JSON line out per command. Catches an adapter that no longer builds its
 * answers from the library's results in seconds (the conformance suite itself runs in the
 * integration-test phase, through conformance/run.sh).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConformanceAdapterTest {
  private final ObjectMapper mapper = new ObjectMapper();
  private StubServer server;
  private OkHttpClient client;

  @BeforeEach
  void startServer() throws IOException {
    server = StubServer.builder().memory().longPollTimeout(Duration.ofMillis(200)).build().start();
    client = new OkHttpClient();
  }

  @AfterEach
  void stopServer() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
    server.close();
  }

  @Test
  void createAppendReadAnswersOneLinePerCommandWithTheServersOffsets() throws IOException {
    List<JsonNode> answers =
        exchange(
            init(),
            "{\"type\":\"create\",\"path\":\"/adapter-test\",\"contentType\":\"text/plain\"}",
            "{\"type\":\"append\",\"path\":\"/adapter-test\",\"data\":\"hello \"}",
            "{\"type\":\"append\",\"path\":\"/adapter-test\",\"data\":\"world\"}",
            "{\"type\":\"read\",\"path\":\"/adapter-test\",\"live\":false}",
            "{\"type\":\"head\",\"path\":\"/adapter-test\"}",
            "{\"type\":\"shutdown\"}");

    assertThat(answers).hasSize(7);
    JsonNode init = answers.get(0);
    assertThat(init.path("success").asBoolean()).isTrue();
    assertThat(init.path("clientName").asText()).isEqualTo(ConformanceAdapter.CLIENT_NAME);
    assertThat(ConformanceAdapter.FEATURES).contains("sse", "longPoll", "dynamicHeaders");
    assertThat(init.path("features")).hasSize(ConformanceAdapter.FEATURES.size());
    for (String feature : ConformanceAdapter.FEATURES) {
      assertThat(init.path("features").path(feature).asBoolean()).as(feature).isTrue();
    }
    assertThat(answers.get(1).path("status").asInt()).isEqualTo(201);
    String afterSecondAppend = answers.get(3).path("offset").asText();
    assertThat(answers.get(2).path("offset").asText()).isNotEmpty().isLessThan(afterSecondAppend);

    JsonNode read = answers.get(4);
    assertThat(read.path("type").asText()).isEqualTo("read");
    StringBuilder data = new StringBuilder();
    read.path("chunks").forEach(chunk -> data.append(chunk.path("data").asText()));
    assertThat(data.toString()).isEqualTo("hello world");
    assertThat(read.path("offset").asText()).isEqualTo(afterSecondAppend);
    assertThat(read.path("upToDate").asBoolean()).isTrue();

    assertThat(answers.get(5).path("offset").asText()).isEqualTo(afterSecondAppend);
    assertThat(answers.get(5).path("contentType").asText()).startsWith("text/plain");
    assertThat(answers.get(6).path("type").asText()).isEqualTo("shutdown");
  }

  @Test
  void jsonStreamChunksAreTheResponsesMessagesAsOneArray() throws IOException {
    List<JsonNode> answers =
        exchange(
            init(),
            "{\"type\":\"create\",\"path\":\"/json\",\"contentType\":\"application/json\"}",
            "{\"type\":\"append\",\"path\":\"/json\",\"data\":\"[{\\\"id\\\": 1}, {\\\"id\\\": 2}]\"}",
            "{\"type\":\"read\",\"path\":\"/json\"}");

    JsonNode read = answers.get(3);
    assertThat(read.path("chunks")).hasSize(1);
    assertThat(read.path("chunks").get(0).path("data").asText())
        .isEqualTo("[{\"id\":1},{\"id\":2}]");
  }

  @Test
  void libraryFailuresBecomeTheSuitesErrorCodes() throws IOException {
    List<JsonNode> answers =
        exchange(
            init(),
            "{\"type\":\"append\",\"path\":\"/missing\",\"data\":\"x\"}",
            "{\"type\":\"read\",\"path\":\"/missing\",\"live\":false}",
            "{\"type\":\"validate\",\"target\":{\"target\":\"idempotent-producer\",\"epoch\":-1}}",
            "{\"type\":\"no-such-command\"}");

    assertThat(answers).hasSize(5);
    assertThat(answers.get(1).path("errorCode").asText()).isEqualTo("NOT_FOUND");
    assertThat(answers.get(1).path("commandType").asText()).isEqualTo("append");
    assertThat(answers.get(2).path("errorCode").asText()).isEqualTo("NOT_FOUND");
    assertThat(answers.get(2).path("status").asInt()).isEqualTo(404);
    assertThat(answers.get(3).path("errorCode").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(answers.get(3).path("message").asText()).contains("epoch");
    assertThat(answers.get(4).path("errorCode").asText()).isEqualTo("NOT_SUPPORTED");
  }

  @Test
  void dynamicHeaderIsComputedPerRequestAndReportedPerCommand() throws IOException {
    List<JsonNode> answers =
        exchange(
            init(),
            "{\"type\":\"create\",\"path\":\"/dyn\",\"contentType\":\"text/plain\"}",
            "{\"type\":\"set-dynamic-header\",\"name\":\"X-Counter\",\"valueType\":\"counter\"}",
            "{\"type\":\"append\",\"path\":\"/dyn\",\"data\":\"a\"}",
            "{\"type\":\"append\",\"path\":\"/dyn\",\"data\":\"b\"}",
            "{\"type\":\"clear-dynamic\"}",
            "{\"type\":\"append\",\"path\":\"/dyn\",\"data\":\"c\"}");

    assertThat(answers.get(3).path("headersSent").path("X-Counter").asText()).isEqualTo("1");
    assertThat(answers.get(4).path("headersSent").path("X-Counter").asText()).isEqualTo("2");
    assertThat(answers.get(6).has("headersSent")).isFalse();
  }

  @Test
  void idempotentAppendsThenLongPollFromTheTailWaitsForNewData() throws IOException {
    List<JsonNode> answers =
        exchange(
            init(),
            "{\"type\":\"create\",\"path\":\"/idem\",\"contentType\":\"application/json\"}",
            "{\"type\":\"idempotent-append\",\"path\":\"/idem\",\"producerId\":\"p\","
                + "\"epoch\":0,\"autoClaim\":false,\"data\":\"{\\\"n\\\": 1}\"}",
            "{\"type\":\"idempotent-append-batch\",\"path\":\"/idem\",\"producerId\":\"q\","
                + "\"epoch\":0,\"autoClaim\":false,\"maxInFlight\":3,"
                + "\"items\":[\"{\\\"n\\\": 2}\",\"{\\\"n\\\": 3}\",\"{\\\"n\\\": 4}\"]}",
            "{\"type\":\"read\",\"path\":\"/idem\",\"live\":false}",
            "{\"type\":\"read\",\"path\":\"/idem\",\"offset\":\"now\",\"live\":\"long-poll\","
                + "\"timeoutMs\":1000}");

    assertThat(answers.get(2).path("success").asBoolean()).as(answers.get(2).toString()).isTrue();
    assertThat(answers.get(3).path("success").asBoolean()).as(answers.get(3).toString()).isTrue();
    StringBuilder data = new StringBuilder();
    answers.get(4).path("chunks").forEach(chunk -> data.append(chunk.path("data").asText()));
    assertThat(data.toString()).contains("{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}");
    JsonNode live = answers.get(5);
    assertThat(live.path("chunks")).isEmpty();
    assertThat(live.path("upToDate").asBoolean()).isTrue();
    assertThat(live.path("offset").asText()).isEqualTo(answers.get(4).path("offset").asText());
  }

  @Test
  void aCompleteBodyOfTruncatedJsonIsAParseErrorWithoutRetryAndTheNextReadSucceeds()
      throws IOException {
    // The suite's fault: the server sends the first bytes of the JSON as the whole body.
    AtomicInteger toTruncate = new AtomicInteger(1);
    AtomicInteger reads = new AtomicInteger();
    client =
        client
            .newBuilder()
            .addInterceptor(
                chain -> {
                  Response response = chain.proceed(chain.request());
                  if (!chain.request().method().equals("GET")
                      || !chain.request().url().encodedPath().endsWith("/cut")) {
                    return response;
                  }
                  reads.incrementAndGet();
                  if (toTruncate.getAndDecrement() <= 0) return response;
                  MediaType type = response.body().contentType();
                  byte[] body = response.body().bytes();
                  return response
                      .newBuilder()
                      .body(ResponseBody.create(Arrays.copyOf(body, 10), type))
                      .build();
                })
            .build();

    List<JsonNode> answers =
        exchange(
            init(),
            "{\"type\":\"create\",\"path\":\"/cut\",\"contentType\":\"application/json\"}",
            "{\"type\":\"append\",\"path\":\"/cut\",\"data\":\"{\\\"key\\\": \\\"some long value\\\"}\"}",
            "{\"type\":\"read\",\"path\":\"/cut\",\"live\":false}",
            "{\"type\":\"read\",\"path\":\"/cut\",\"live\":false}");

    JsonNode failed = answers.get(3);
    assertThat(failed.path("errorCode").asText()).as(failed.toString()).isEqualTo("PARSE_ERROR");
    assertThat(failed.path("status").asInt()).isEqualTo(200);
    JsonNode again = answers.get(4);
    assertThat(again.path("success").asBoolean()).as(again.toString()).isTrue();
    assertThat(again.path("chunks").get(0).path("data").asText())
        .isEqualTo("[{\"key\":\"some long value\"}]");
    assertThat(reads).as("one request per read: the parse error is not retried").hasValue(2);
  }

  /** The init command; the stub serves streams under a prefix, which the adapter's URL carries. */
  private String init() {
    return "{\"type\":\"init\",\"serverUrl\":\"" + server.streamUrl("") + "\"}";
  }

  /** Feeds the lines to a fresh adapter and returns its answers, one per line. */
  private List<JsonNode> exchange(String... commands) throws IOException {
    String input = String.join("\n", commands) + "\n";
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    new ConformanceAdapter(client)
        .run(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), output);
    List<JsonNode> answers = new ArrayList<>();
    for (String line : output.toString(StandardCharsets.UTF_8).split("\n")) {
      answers.add(mapper.readTree(line));
    }
    return answers;
  }
}
