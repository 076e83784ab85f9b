package dev.rstream.examples.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.RetryPolicy;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.StreamInfo;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;

/**
 * What the runner has set up so far: the server, the dynamic headers and parameters, and the
 * content types of the streams seen; hands out stream handles that carry them. Commands run one at
 * a time; the values sent are recorded from the library's threads.
 */
final class RunnerSession {
  /** Below the runner's 30 s per command, leaving room to answer. */
  static final long COMMAND_DEADLINE_MILLIS = 25_000;

  static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

  /**
   * The library retries transient failures forever by default (right for an app that must stay in
   * sync). The runner wants a failure it can see within its 30 s, as an app with a latency budget
   * would: a bounded policy, set through the public API.
   */
  private static final RetryPolicy RETRY_POLICY =
      RetryPolicy.builder().maxRetries(10).maxDelay(2, TimeUnit.SECONDS).build();

  private final OkHttpClient client;
  private String serverUrl = "";

  /** Content types of the streams this adapter created or looked at, by path. */
  private final Map<String, String> contentTypes = new ConcurrentHashMap<>();

  private final Map<String, RunnerValue> dynamicHeaders = new LinkedHashMap<>();
  private final Map<String, RunnerValue> dynamicParams = new LinkedHashMap<>();

  /** The first value of each dynamic header (and param) sent during the current command. */
  private final Map<String, String> headersSent = new ConcurrentHashMap<>();

  private final Map<String, String> paramsSent = new ConcurrentHashMap<>();

  RunnerSession(OkHttpClient client) {
    this.client = client;
  }

  /** Starts over on {@code serverUrl}: no dynamic values, no content types known. */
  void init(String serverUrl) {
    this.serverUrl =
        serverUrl.endsWith("/") ? serverUrl.substring(0, serverUrl.length() - 1) : serverUrl;
    contentTypes.clear();
    clearDynamic();
  }

  /** Forgets the values sent by the previous command. */
  void beginCommand() {
    headersSent.clear();
    paramsSent.clear();
  }

  void setDynamicHeader(JsonNode command) {
    dynamicHeaders.put(command.path("name").asText(), runnerValue(command, headersSent));
  }

  void setDynamicParam(JsonNode command) {
    dynamicParams.put(command.path("name").asText(), runnerValue(command, paramsSent));
  }

  void clearDynamic() {
    dynamicHeaders.clear();
    dynamicParams.clear();
  }

  private static RunnerValue runnerValue(JsonNode command, Map<String, String> sent) {
    return new RunnerValue(
        command.path("name").asText(),
        RunnerValue.Kind.of(command.path("valueType").asText()),
        command.hasNonNull("initialValue") ? command.get("initialValue").asText() : null,
        sent);
  }

  /** Adds the dynamic values sent during this command to {@code answer}, if any. */
  void putSent(ObjectNode answer) {
    if (!headersSent.isEmpty()) headersSent.forEach(answer.putObject("headersSent")::put);
    if (!paramsSent.isEmpty()) paramsSent.forEach(answer.putObject("paramsSent")::put);
  }

  /**
   * A handle on the command's stream, carrying the command's static headers and the runner's
   * dynamic headers and parameters (computed afresh by the library for every request).
   */
  DurableStream stream(JsonNode command) {
    DurableStream.Builder builder = plainStream(command.path("path").asText()).newBuilder();
    dynamicHeaders.forEach(builder::header);
    dynamicParams.forEach(builder::param);
    Iterator<Map.Entry<String, JsonNode>> headers = command.path("headers").fields();
    while (headers.hasNext()) {
      Map.Entry<String, JsonNode> header = headers.next();
      builder.header(header.getKey(), header.getValue().asText());
    }
    return builder.build();
  }

  /** A handle with no runner-configured values: for the adapter's own bookkeeping requests. */
  DurableStream plainStream(String path) {
    return DurableStream.builder()
        .url(serverUrl + path)
        .okHttpClient(client)
        .retryPolicy(RETRY_POLICY)
        .build();
  }

  /** Remembers the content type of the stream at {@code path}. */
  void knowContentType(String path, String contentType) {
    contentTypes.put(path, contentType);
  }

  /** Forgets the content type of the (deleted) stream at {@code path}. */
  void forget(String path) {
    contentTypes.remove(path);
  }

  /** The stream's content type: remembered from create/head, else asked with a HEAD. */
  String contentTypeOf(String path) {
    String known = contentTypes.get(path);
    if (known != null) return known;
    StreamInfo info =
        plainStream(path)
            .head()
            .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
            .blockingGet();
    String type = info.contentType() != null ? info.contentType() : DEFAULT_CONTENT_TYPE;
    contentTypes.put(path, type);
    return type;
  }

  static boolean isJson(String contentType) {
    MediaType type = MediaType.parse(contentType);
    return type != null && "application".equals(type.type()) && "json".equals(type.subtype());
  }
}
