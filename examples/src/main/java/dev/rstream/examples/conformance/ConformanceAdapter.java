package dev.rstream.examples.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.ConflictException;
import dev.rstream.Offset;
import dev.rstream.OffsetGoneException;
import dev.rstream.ProducerFencedException;
import dev.rstream.ProtocolException;
import dev.rstream.RStreamException;
import dev.rstream.RetryPolicy;
import dev.rstream.SequenceConflictException;
import dev.rstream.SequenceRegressionException;
import dev.rstream.StreamClosedException;
import dev.rstream.StreamNotFoundException;
import dev.rstream.TransientException;
import dev.rstream.UnexpectedStatusException;
import dev.rstream.durable.AppendOptions;
import dev.rstream.durable.AppendResult;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.IdempotentProducer;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ProducerOptions;
import dev.rstream.durable.ReadOptions;
import dev.rstream.durable.StreamInfo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * The rstream client adapter for the Durable Streams client conformance suite. Reads one JSON
 * command per line from stdin, executes it with the public rstream API, and writes exactly one JSON
 * answer per line to stdout. Everything else (library logs included) goes to stderr.
 *
 * <p>Commands run one at a time on the calling thread, each bounded by a deadline below the
 * runner's 30 s command timeout, so that a late answer can never be taken for the next command's.
 *
 * <p>The adapter only translates: argument checks, retries, JSON validation and error typing are
 * the library's. It maps the library's exception types to the suite's error codes.
 */
public final class ConformanceAdapter {
  static final String CLIENT_NAME = "rstream";
  static final String CLIENT_VERSION = "0.1.0-SNAPSHOT";

  /** Below the runner's 30 s per command, leaving room to answer. */
  private static final long COMMAND_DEADLINE_MILLIS = 25_000;

  /** The live-read wait when the runner sets none (the reference TypeScript adapter's default). */
  private static final long DEFAULT_READ_TIMEOUT_MILLIS = 5_000;

  private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

  /**
   * The library retries transient failures forever by default (right for an app that must stay in
   * sync). The runner wants a failure it can see within its 30 s, as an app with a latency budget
   * would: a bounded policy, set through the public API.
   */
  private static final RetryPolicy RETRY_POLICY =
      RetryPolicy.builder().maxRetries(10).maxDelay(2, TimeUnit.SECONDS).build();

  private final ObjectMapper mapper = new ObjectMapper();
  private final OkHttpClient client;
  private String serverUrl = "";

  /** Content types of the streams this adapter created or looked at, by path. */
  private final Map<String, String> contentTypes = new ConcurrentHashMap<>();

  private final Map<String, IdempotentProducer> producers = new ConcurrentHashMap<>();
  private final Map<String, RunnerValue> dynamicHeaders = new LinkedHashMap<>();
  private final Map<String, RunnerValue> dynamicParams = new LinkedHashMap<>();

  /** The first value of each dynamic header (and param) sent during the current command. */
  private final Map<String, String> headersSent = new ConcurrentHashMap<>();

  private final Map<String, String> paramsSent = new ConcurrentHashMap<>();
  private final Benchmarks benchmarks = new Benchmarks(this);

  ConformanceAdapter(OkHttpClient client) {
    this.client = client;
  }

  /** Runs the adapter on stdin/stdout until stdin ends or a {@code shutdown} command. */
  public static void main(String[] args) throws IOException {
    PrintStream out =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.out),
            false,
            StandardCharsets.UTF_8);
    // Whatever prints to System.out (a library, a stray println) must not corrupt the channel.
    System.setOut(System.err);
    OkHttpClient client = new OkHttpClient();
    try {
      new ConformanceAdapter(client).run(System.in, out);
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    System.exit(0);
  }

  /** Answers each line of {@code in} with one line on {@code out}, until the end or a shutdown. */
  void run(InputStream in, OutputStream out) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.trim().isEmpty()) continue;
      String type = "unknown";
      ObjectNode answer;
      try {
        JsonNode command = mapper.readTree(line);
        type = command.path("type").asText("unknown");
        answer = handle(type, command);
      } catch (Throwable t) {
        answer = error(type, t);
      }
      byte[] bytes = (mapper.writeValueAsString(answer) + "\n").getBytes(StandardCharsets.UTF_8);
      out.write(bytes);
      out.flush();
      if (type.equals("shutdown")) return;
    }
  }

  private ObjectNode handle(String type, JsonNode command) throws Exception {
    headersSent.clear();
    paramsSent.clear();
    switch (type) {
      case "init":
        return init(command);
      case "create":
        return create(command);
      case "connect":
        return connect(command);
      case "append":
        return append(command);
      case "read":
        return read(command);
      case "head":
        return head(command);
      case "delete":
        return delete(command);
      case "close":
        return close(command);
      case "idempotent-append":
        return idempotentAppend(command);
      case "idempotent-append-batch":
        return idempotentAppendBatch(command);
      case "idempotent-close":
        return idempotentClose(command);
      case "idempotent-detach":
        return idempotentDetach(command);
      case "set-dynamic-header":
        dynamicHeaders.put(command.path("name").asText(), runnerValue(command, headersSent));
        return ok(type);
      case "set-dynamic-param":
        dynamicParams.put(command.path("name").asText(), runnerValue(command, paramsSent));
        return ok(type);
      case "clear-dynamic":
        dynamicHeaders.clear();
        dynamicParams.clear();
        return ok(type);
      case "validate":
        return validate(command);
      case "benchmark":
        return benchmarks.run(command);
      case "shutdown":
        stopProducers();
        return ok(type);
      default:
        return error(type, "NOT_SUPPORTED", "unknown command type: " + type, null);
    }
  }

  private ObjectNode init(JsonNode command) {
    serverUrl = stripTrailingSlash(command.path("serverUrl").asText());
    contentTypes.clear();
    dynamicHeaders.clear();
    dynamicParams.clear();
    stopProducers();
    ObjectNode answer = ok("init");
    answer.put("clientName", CLIENT_NAME);
    answer.put("clientVersion", CLIENT_VERSION);
    ObjectNode features = answer.putObject("features");
    for (String feature :
        List.of(
            "batching",
            "sse",
            "longPoll",
            "auto",
            "streaming",
            "dynamicHeaders",
            "retryOptions",
            "batchItems",
            "strictZeroValidation")) {
      features.put(feature, true);
    }
    return answer;
  }

  private ObjectNode create(JsonNode command) {
    String path = command.path("path").asText();
    String contentType = text(command, "contentType", DEFAULT_CONTENT_TYPE);
    CreateOptions.Builder options = CreateOptions.builder().contentType(contentType);
    if (command.hasNonNull("ttlSeconds")) options.ttlSeconds(command.get("ttlSeconds").asLong());
    if (command.hasNonNull("expiresAt")) options.expiresAt(command.get("expiresAt").asText());
    if (command.path("closed").asBoolean(false)) options.closed(true);
    if (command.hasNonNull("data")) {
      options.initialData(command.get("data").asText().getBytes(StandardCharsets.UTF_8));
    }
    StreamInfo info =
        stream(command)
            .create(options.build())
            .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
            .blockingGet();
    contentTypes.put(path, contentType);
    ObjectNode answer = ok("create");
    answer.put("status", info.status());
    if (info.nextOffset() != null) answer.put("offset", info.nextOffset().value());
    return answer;
  }

  private ObjectNode connect(JsonNode command) {
    StreamInfo info = headOf(command);
    ObjectNode answer = ok("connect");
    answer.put("status", 200);
    if (info.nextOffset() != null) answer.put("offset", info.nextOffset().value());
    return answer;
  }

  private ObjectNode head(JsonNode command) {
    StreamInfo info = headOf(command);
    ObjectNode answer = ok("head");
    answer.put("status", info.status());
    if (info.nextOffset() != null) answer.put("offset", info.nextOffset().value());
    if (info.contentType() != null) answer.put("contentType", info.contentType());
    if (info.ttlSeconds() >= 0) answer.put("ttlSeconds", info.ttlSeconds());
    if (info.expiresAt() != null) answer.put("expiresAt", info.expiresAt());
    answer.put("streamClosed", info.closed());
    return answer;
  }

  private StreamInfo headOf(JsonNode command) {
    StreamInfo info =
        stream(command)
            .head()
            .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
            .blockingGet();
    if (info.contentType() != null) {
      contentTypes.put(command.path("path").asText(), info.contentType());
    }
    return info;
  }

  private ObjectNode delete(JsonNode command) {
    stream(command)
        .delete()
        .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
        .blockingAwait();
    contentTypes.remove(command.path("path").asText());
    ObjectNode answer = ok("delete");
    answer.put("status", 200);
    return answer;
  }

  private ObjectNode append(JsonNode command) {
    String path = command.path("path").asText();
    byte[] body = data(command);
    AppendOptions.Builder options = AppendOptions.builder();
    if (command.hasNonNull("seq")) options.seq(command.get("seq").asText());
    String contentType = contentTypeOf(path);
    AppendResult result =
        stream(command)
            .append(body, contentType, options.build())
            .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
            .blockingGet();
    ObjectNode answer = ok("append");
    // The suite's "status" of an append is 200 for accepted, whether the server said 200 or 204.
    answer.put("status", 200);
    if (result.nextOffset() != null) answer.put("offset", result.nextOffset().value());
    putSent(answer);
    return answer;
  }

  private ObjectNode close(JsonNode command) {
    String path = command.path("path").asText();
    Offset finalOffset;
    if (command.hasNonNull("data")) {
      String contentType = text(command, "contentType", contentTypeOf(path));
      AppendResult result =
          stream(command)
              .append(data(command), contentType, AppendOptions.builder().close(true).build())
              .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
              .blockingGet();
      finalOffset = result.nextOffset();
    } else {
      finalOffset =
          stream(command)
              .closeStream()
              .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
              .blockingGet();
    }
    ObjectNode answer = ok("close");
    if (finalOffset != null) answer.put("finalOffset", finalOffset.value());
    return answer;
  }

  private ObjectNode read(JsonNode command) throws InterruptedException {
    ReadOptions.Builder options =
        ReadOptions.builder()
            // One batch per response, as the suite counts chunks.
            .maxBatchMessages(Integer.MAX_VALUE);
    if (command.hasNonNull("offset")) {
      try {
        options.offset(Offset.of(command.get("offset").asText()));
      } catch (IllegalArgumentException e) {
        return error("read", "INVALID_OFFSET", e.getMessage(), null);
      }
    }
    LiveMode mode = liveMode(command.get("live"));
    options.liveMode(mode);
    long timeout =
        command.hasNonNull("timeoutMs")
            ? command.get("timeoutMs").asLong()
            : DEFAULT_READ_TIMEOUT_MILLIS;
    long deadline =
        mode == LiveMode.OFF ? COMMAND_DEADLINE_MILLIS : Math.min(timeout, COMMAND_DEADLINE_MILLIS);
    ChunkCollector collector =
        new ChunkCollector(
            command.hasNonNull("maxChunks") ? command.get("maxChunks").asInt() : 100,
            command.path("waitForUpToDate").asBoolean(false),
            deadline);
    try {
      collector.collect(stream(command).read(options.build(), MessageDecoder.rawJson()));
    } catch (UnexpectedStatusException e) {
      if (e.status() == 400) return error("read", "INVALID_OFFSET", e.getMessage(), 400);
      throw e;
    }
    if (collector.timedOut && mode == LiveMode.OFF) {
      return error("read", "TIMEOUT", "catch-up read not finished after " + deadline + " ms", null);
    }
    ObjectNode answer = ok("read");
    answer.put("status", collector.status);
    ArrayNode chunks = answer.putArray("chunks");
    for (ChunkCollector.Chunk chunk : collector.chunks) {
      chunks.addObject().put("data", chunk.data).put("offset", chunk.offset);
    }
    String offset =
        collector.offset != null
            ? collector.offset
            : command.hasNonNull("offset") ? command.get("offset").asText() : Offset.START.value();
    answer.put("offset", offset);
    // A live read still waiting when the time was up had caught up: nothing more had arrived.
    answer.put("upToDate", collector.upToDate || (collector.timedOut && mode != LiveMode.OFF));
    answer.put("streamClosed", collector.streamClosed);
    if (collector.cursor != null) answer.put("cursor", collector.cursor);
    putSent(answer);
    return answer;
  }

  private static LiveMode liveMode(@Nullable JsonNode live) {
    if (live == null || live.isNull()) return LiveMode.OFF;
    if (live.isBoolean()) return live.asBoolean() ? LiveMode.AUTO : LiveMode.OFF;
    switch (live.asText()) {
      case "long-poll":
        return LiveMode.LONG_POLL;
      case "sse":
        return LiveMode.SSE;
      default:
        throw new IllegalArgumentException("unknown live mode: " + live);
    }
  }

  private ObjectNode idempotentAppend(JsonNode command) {
    String path = command.path("path").asText();
    IdempotentProducer producer =
        producers.computeIfAbsent(
            producerKey(command),
            key -> stream(command).producer(producerOptions(command, path).maxInFlight(1).build()));
    AppendResult result =
        enqueue(producer, path, command.path("data").asText())
            .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
            .blockingGet();
    ObjectNode answer = ok("idempotent-append");
    answer.put("status", 200);
    if (result.nextOffset() != null) answer.put("offset", result.nextOffset().value());
    answer.put("duplicate", result.duplicate());
    if (result.producerSeq() >= 0) answer.put("producerSeq", result.producerSeq());
    return answer;
  }

  private ObjectNode idempotentAppendBatch(JsonNode command) {
    String path = command.path("path").asText();
    int maxInFlight = command.hasNonNull("maxInFlight") ? command.get("maxInFlight").asInt() : 1;
    ProducerOptions.Builder options = producerOptions(command, path).maxInFlight(maxInFlight);
    if (maxInFlight > 1) {
      // Concurrency is under test: one message per batch, so that batches overlap.
      options.maxBatchBytes(1).linger(0, TimeUnit.MILLISECONDS);
    } else {
      options.linger(1000, TimeUnit.MILLISECONDS);
    }
    IdempotentProducer producer = stream(command).producer(options.build());
    List<io.reactivex.rxjava3.core.Single<AppendResult>> results = new java.util.ArrayList<>();
    try {
      for (JsonNode item : command.path("items")) {
        results.add(enqueue(producer, path, item.asText()));
      }
      producer.flush().timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS).blockingAwait();
    } finally {
      producer
          .detach()
          .onErrorComplete()
          .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
          .blockingAwait();
    }
    long producerSeq = -1;
    for (io.reactivex.rxjava3.core.Single<AppendResult> result : results) {
      producerSeq = Math.max(producerSeq, result.blockingGet().producerSeq());
    }
    ObjectNode answer = ok("idempotent-append-batch");
    answer.put("status", 200);
    if (producerSeq >= 0) answer.put("producerSeq", producerSeq);
    return answer;
  }

  private ObjectNode idempotentClose(JsonNode command) {
    String path = command.path("path").asText();
    IdempotentProducer producer =
        producers.computeIfAbsent(
            producerKey(command),
            key -> stream(command).producer(producerOptions(command, path).maxInFlight(1).build()));
    byte[] finalData =
        command.hasNonNull("data")
            ? command.get("data").asText().getBytes(StandardCharsets.UTF_8)
            : null;
    AppendResult result =
        producer
            .closeStream(finalData)
            .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
            .blockingGet();
    ObjectNode answer = ok("idempotent-close");
    answer.put("status", 200);
    if (result.nextOffset() != null) answer.put("finalOffset", result.nextOffset().value());
    return answer;
  }

  private ObjectNode idempotentDetach(JsonNode command) {
    IdempotentProducer producer = producers.remove(producerKey(command));
    if (producer != null) {
      producer.detach().timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS).blockingAwait();
    }
    ObjectNode answer = ok("idempotent-detach");
    answer.put("status", 200);
    return answer;
  }

  private static String producerKey(JsonNode command) {
    return command.path("path").asText()
        + "|"
        + command.path("producerId").asText()
        + "|"
        + command.path("epoch").asLong(0);
  }

  private ProducerOptions.Builder producerOptions(JsonNode command, String path) {
    return ProducerOptions.builder(command.path("producerId").asText())
        .epoch(command.path("epoch").asLong(0))
        .autoClaim(command.path("autoClaim").asBoolean(false))
        .contentType(contentTypeOf(path))
        .linger(0, TimeUnit.MILLISECONDS);
  }

  /** Queues one item: a JSON value for JSON streams, its UTF-8 bytes otherwise. */
  private io.reactivex.rxjava3.core.Single<AppendResult> enqueue(
      IdempotentProducer producer, String path, String data) {
    return isJson(contentTypeOf(path))
        ? producer.appendJson(data)
        : producer.append(data.getBytes(StandardCharsets.UTF_8));
  }

  private ObjectNode validate(JsonNode command) {
    JsonNode target = command.path("target");
    String kind = target.path("target").asText();
    try {
      switch (kind) {
        case "retry-options":
          {
            RetryPolicy.Builder policy = RetryPolicy.builder();
            if (target.hasNonNull("maxRetries"))
              policy.maxRetries(target.get("maxRetries").asInt());
            if (target.hasNonNull("initialDelayMs")) {
              policy.initialDelay(target.get("initialDelayMs").asLong(), TimeUnit.MILLISECONDS);
            }
            if (target.hasNonNull("maxDelayMs")) {
              policy.maxDelay(target.get("maxDelayMs").asLong(), TimeUnit.MILLISECONDS);
            }
            if (target.hasNonNull("multiplier")) {
              policy.multiplier(target.get("multiplier").asDouble());
            }
            policy.build();
            return ok("validate");
          }
        case "idempotent-producer":
          {
            ProducerOptions.Builder options =
                ProducerOptions.builder(text(target, "producerId", "test-producer"));
            if (target.hasNonNull("epoch")) options.epoch(target.get("epoch").asLong());
            if (target.hasNonNull("maxBatchBytes")) {
              options.maxBatchBytes(target.get("maxBatchBytes").asLong());
            }
            if (target.hasNonNull("maxBatchItems")) {
              options.maxBatchItems(target.get("maxBatchItems").asInt());
            }
            options.build();
            return ok("validate");
          }
        default:
          return error("validate", "NOT_SUPPORTED", "unknown validation target: " + kind, null);
      }
    } catch (IllegalArgumentException e) {
      return error("validate", "INVALID_ARGUMENT", e.getMessage(), null);
    }
  }

  private RunnerValue runnerValue(JsonNode command, Map<String, String> sent) {
    return new RunnerValue(
        command.path("name").asText(),
        RunnerValue.Kind.of(command.path("valueType").asText()),
        command.hasNonNull("initialValue") ? command.get("initialValue").asText() : null,
        sent);
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
    okhttp3.MediaType type = okhttp3.MediaType.parse(contentType);
    return type != null && "application".equals(type.type()) && "json".equals(type.subtype());
  }

  String serverUrl() {
    return serverUrl;
  }

  OkHttpClient client() {
    return client;
  }

  private void stopProducers() {
    for (IdempotentProducer producer : producers.values()) {
      producer.detach().onErrorComplete().blockingAwait(5, TimeUnit.SECONDS);
    }
    producers.clear();
  }

  private void putSent(ObjectNode answer) {
    if (!headersSent.isEmpty()) answer.set("headersSent", mapper.valueToTree(headersSent));
    if (!paramsSent.isEmpty()) answer.set("paramsSent", mapper.valueToTree(paramsSent));
  }

  private static byte[] data(JsonNode command) {
    String data = command.path("data").asText("");
    return command.path("binary").asBoolean(false)
        ? Base64.getDecoder().decode(data)
        : data.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(JsonNode node, String field, String fallback) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? fallback : value.asText();
  }

  private static String stripTrailingSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  ObjectNode ok(String type) {
    ObjectNode answer = mapper.createObjectNode();
    answer.put("type", type);
    answer.put("success", true);
    return answer;
  }

  ObjectNode error(
      String commandType, String code, @Nullable String message, @Nullable Integer status) {
    ObjectNode answer = mapper.createObjectNode();
    answer.put("type", "error");
    answer.put("success", false);
    answer.put("commandType", commandType);
    if (status != null) answer.put("status", status);
    answer.put("errorCode", code);
    answer.put("message", message != null ? message : code);
    return answer;
  }

  /** Maps a failure of the library (or of the adapter) to the suite's error codes. */
  ObjectNode error(String commandType, Throwable t) {
    Throwable e = unwrap(t);
    Integer status =
        e instanceof RStreamException && ((RStreamException) e).status() != 0
            ? ((RStreamException) e).status()
            : null;
    String code;
    if (e instanceof StreamClosedException) {
      code = "STREAM_CLOSED";
    } else if (e instanceof SequenceConflictException || e instanceof SequenceRegressionException) {
      code = "SEQUENCE_CONFLICT";
    } else if (e instanceof ConflictException) {
      code = "CONFLICT";
    } else if (e instanceof StreamNotFoundException) {
      code = "NOT_FOUND";
    } else if (e instanceof OffsetGoneException) {
      code = "INVALID_OFFSET";
    } else if (e instanceof ProtocolException) {
      code = "PARSE_ERROR";
    } else if (e instanceof ProducerFencedException) {
      code = "UNEXPECTED_STATUS";
    } else if (e instanceof TransientException) {
      code =
          status == null
              ? (isTimeout(e.getCause()) ? "TIMEOUT" : "NETWORK_ERROR")
              : "UNEXPECTED_STATUS";
    } else if (e instanceof RStreamException) {
      code = "UNEXPECTED_STATUS";
    } else if (e instanceof TimeoutException) {
      code = "TIMEOUT";
    } else if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
      code = "INVALID_ARGUMENT";
    } else if (e instanceof com.fasterxml.jackson.core.JsonProcessingException) {
      code = "PARSE_ERROR";
    } else {
      code = "INTERNAL_ERROR";
    }
    String message = e.getMessage() != null ? e.getMessage() : e.toString();
    return error(commandType, code, message, status);
  }

  private static boolean isTimeout(@Nullable Throwable cause) {
    return cause instanceof InterruptedIOException;
  }

  /** Rx wraps checked exceptions (and timeouts) thrown through blocking calls. */
  private static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while (e.getCause() != null
        && !(e instanceof RStreamException)
        && (e.getClass() == RuntimeException.class
            || e instanceof io.reactivex.rxjava3.exceptions.CompositeException)) {
      e = e.getCause();
    }
    return e;
  }
}
