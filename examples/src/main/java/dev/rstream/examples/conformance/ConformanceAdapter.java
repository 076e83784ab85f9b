package dev.rstream.examples.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import okhttp3.OkHttpClient;

/**
 * The rstream client adapter for the Durable Streams client conformance suite. Reads one JSON
 * command per line from stdin, executes it with the public rstream API, and writes exactly one JSON
 * answer per line to stdout. Everything else (library logs included) goes to stderr.
 *
 * <p>Commands run one at a time on the calling thread, each bounded by a deadline below the
 * runner's 30 s command timeout, so that a late answer can never be taken for the next command's.
 *
 * <p>The adapter only translates: argument checks, retries, JSON validation and error typing are
 * the library's. Each kind of command has a class of its own; {@link Answers} maps the library's
 * exception types to the suite's error codes.
 */
public final class ConformanceAdapter {
  static final String CLIENT_NAME = "rstream";
  static final String CLIENT_VERSION = "0.1.0-SNAPSHOT";

  /** The optional parts of the suite this adapter takes part in, as {@code init} announces them. */
  static final List<String> FEATURES =
      List.of(
          "batching",
          "sse",
          "longPoll",
          "auto",
          "streaming",
          "dynamicHeaders",
          "retryOptions",
          "batchItems",
          "strictZeroValidation");

  private final ObjectMapper mapper = new ObjectMapper();
  private final RunnerSession session;
  private final StreamCommands streams;
  private final ReadCommand reads;
  private final ProducerCommands producers;
  private final Benchmarks benchmarks;

  ConformanceAdapter(OkHttpClient client) {
    this.session = new RunnerSession(client);
    this.streams = new StreamCommands(session);
    this.reads = new ReadCommand(session);
    this.producers = new ProducerCommands(session);
    this.benchmarks = new Benchmarks(session);
  }

  /** Runs the adapter on stdin/stdout until stdin ends or a {@code shutdown} command. */
  public static void main(String[] args) throws IOException {
    PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
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
        answer = Answers.error(type, t);
      }
      byte[] bytes = (mapper.writeValueAsString(answer) + "\n").getBytes(StandardCharsets.UTF_8);
      out.write(bytes);
      out.flush();
      if (type.equals("shutdown")) return;
    }
  }

  private ObjectNode handle(String type, JsonNode command) throws Exception {
    session.beginCommand();
    switch (type) {
      case "init":
        return init(command);
      case "create":
        return streams.create(command);
      case "connect":
        return streams.connect(command);
      case "append":
        return streams.append(command);
      case "read":
        return reads.read(command);
      case "head":
        return streams.head(command);
      case "delete":
        return streams.delete(command);
      case "close":
        return streams.close(command);
      case "idempotent-append":
        return producers.append(command);
      case "idempotent-append-batch":
        return producers.appendBatch(command);
      case "idempotent-close":
        return producers.close(command);
      case "idempotent-detach":
        return producers.detach(command);
      case "set-dynamic-header":
        session.setDynamicHeader(command);
        return Answers.ok(type);
      case "set-dynamic-param":
        session.setDynamicParam(command);
        return Answers.ok(type);
      case "clear-dynamic":
        session.clearDynamic();
        return Answers.ok(type);
      case "validate":
        return ValidateCommand.validate(command);
      case "benchmark":
        return benchmarks.run(command);
      case "shutdown":
        producers.stopAll();
        return Answers.ok(type);
      default:
        return Answers.error(type, "NOT_SUPPORTED", "unknown command type: " + type, null);
    }
  }

  private ObjectNode init(JsonNode command) {
    session.init(command.path("serverUrl").asText());
    producers.stopAll();
    ObjectNode answer = Answers.ok("init");
    answer.put("clientName", CLIENT_NAME);
    answer.put("clientVersion", CLIENT_VERSION);
    ObjectNode features = answer.putObject("features");
    for (String feature : FEATURES) features.put(feature, true);
    return answer;
  }
}
