package dev.rstream.examples.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.ConflictException;
import dev.rstream.Offset;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.IdempotentProducer;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ProducerOptions;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.disposables.Disposable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The {@code benchmark} command: times one operation with {@link System#nanoTime()} around the
 * library calls only (argument parsing and answer building are outside the measured span).
 */
final class Benchmarks {
  /** The runner allows a benchmark command 60 s. */
  private static final long DEADLINE_SECONDS = 55;

  private final RunnerSession session;

  Benchmarks(RunnerSession session) {
    this.session = session;
  }

  ObjectNode run(JsonNode command) throws Exception {
    JsonNode operation = command.path("operation");
    String op = operation.path("op").asText();
    String path = operation.path("path").asText();
    DurableStream stream = session.plainStream(path);
    long bytes = 0;
    long messages = -1;
    long start;
    long end;
    switch (op) {
      case "append":
        {
          int size = operation.path("size").asInt(100);
          String contentType = session.contentTypeOf(path);
          byte[] payload = payload(size, contentType);
          start = System.nanoTime();
          stream
              .append(payload, contentType)
              .timeout(DEADLINE_SECONDS, TimeUnit.SECONDS)
              .blockingGet();
          end = System.nanoTime();
          bytes = size;
          break;
        }
      case "read":
        {
          ReadOptions options =
              ReadOptions.builder()
                  .offset(
                      operation.hasNonNull("offset")
                          ? Offset.of(operation.get("offset").asText())
                          : Offset.START)
                  .build();
          start = System.nanoTime();
          long[] counts = count(stream.read(options, MessageDecoder.jsonNode()));
          end = System.nanoTime();
          bytes = counts[0];
          break;
        }
      case "roundtrip":
        {
          int size = operation.path("size").asInt(100);
          String contentType = operation.path("contentType").asText("application/octet-stream");
          LiveMode live =
              "sse".equals(operation.path("live").asText()) ? LiveMode.SSE : LiveMode.LONG_POLL;
          byte[] payload = payload(size, contentType);
          start = System.nanoTime();
          stream
              .create(CreateOptions.builder().contentType(contentType).build())
              .timeout(DEADLINE_SECONDS, TimeUnit.SECONDS)
              .blockingGet();
          // Read first (live, from the start), as an application would, then append.
          Single<ReadBatch<JsonNode>> firstData =
              stream
                  .read(ReadOptions.builder().liveMode(live).build(), MessageDecoder.jsonNode())
                  .filter(batch -> !batch.messages().isEmpty() || batch.bytes().size() > 0)
                  .firstOrError()
                  .cache();
          Disposable reading = firstData.subscribe(batch -> {}, error -> {});
          try {
            stream
                .append(payload, contentType)
                .timeout(DEADLINE_SECONDS, TimeUnit.SECONDS)
                .blockingGet();
            ReadBatch<JsonNode> batch =
                firstData.timeout(DEADLINE_SECONDS, TimeUnit.SECONDS).blockingGet();
            end = System.nanoTime();
            bytes = size + Math.max(batch.bytes().size(), payload.length);
          } finally {
            reading.dispose();
          }
          break;
        }
      case "create":
        {
          String contentType = operation.path("contentType").asText("application/octet-stream");
          start = System.nanoTime();
          stream
              .create(CreateOptions.builder().contentType(contentType).build())
              .timeout(DEADLINE_SECONDS, TimeUnit.SECONDS)
              .blockingGet();
          end = System.nanoTime();
          break;
        }
      case "throughput_append":
        {
          int size = operation.path("size").asInt(100);
          int count = operation.path("count").asInt(1000);
          try {
            stream
                .create(CreateOptions.builder().contentType("application/octet-stream").build())
                .timeout(DEADLINE_SECONDS, TimeUnit.SECONDS)
                .blockingGet();
          } catch (ConflictException alreadyThereWithAnotherType) {
            // Keep the existing stream: appends use its content type.
          }
          String contentType = session.contentTypeOf(path);
          byte[] payload = payload(size, contentType);
          IdempotentProducer producer =
              stream.producer(
                  ProducerOptions.builder("bench-producer")
                      .contentType(contentType)
                      .autoClaim(true) // every iteration starts a new producer on the same stream
                      .build());
          // Decided once: parsing the content type per message cost more than the append itself.
          boolean json = RunnerSession.isJson(contentType);
          String jsonPayload = new String(payload, StandardCharsets.UTF_8);
          start = System.nanoTime();
          for (int i = 0; i < count; i++) {
            if (json) {
              producer.appendJson(jsonPayload);
            } else {
              producer.append(payload);
            }
          }
          producer.flush().timeout(DEADLINE_SECONDS, TimeUnit.SECONDS).blockingAwait();
          end = System.nanoTime();
          producer.detach().onErrorComplete().blockingAwait(5, TimeUnit.SECONDS);
          bytes = (long) count * size;
          messages = count;
          break;
        }
      case "throughput_read":
        {
          start = System.nanoTime();
          long[] counts =
              count(stream.read(ReadOptions.builder().build(), MessageDecoder.jsonNode()));
          end = System.nanoTime();
          bytes = counts[0];
          messages = counts[1];
          break;
        }
      default:
        return Answers.error(
            "benchmark", "NOT_SUPPORTED", "unknown benchmark operation: " + op, null);
    }
    ObjectNode answer = Answers.ok("benchmark");
    answer.put("iterationId", command.path("iterationId").asText());
    answer.put("durationNs", Long.toString(end - start));
    ObjectNode metrics = answer.putObject("metrics");
    metrics.put("bytesTransferred", bytes);
    if (messages >= 0) metrics.put("messagesProcessed", messages);
    return answer;
  }

  /** Reads to the end; returns {bytes, messages} (JSON messages are sized as their text). */
  private static long[] count(io.reactivex.rxjava3.core.Flowable<ReadBatch<JsonNode>> read) {
    long[] counts = new long[2];
    for (ReadBatch<JsonNode> batch :
        read.timeout(DEADLINE_SECONDS, TimeUnit.SECONDS).blockingIterable()) {
      counts[0] += batch.bytes().size();
      for (JsonNode message : batch.messages()) {
        counts[0] += message.toString().length();
        counts[1]++;
      }
    }
    return counts;
  }

  /** {@code size} bytes: a JSON string value for JSON streams, a filled array otherwise. */
  private static byte[] payload(int size, String contentType) {
    byte[] payload = new byte[Math.max(size, RunnerSession.isJson(contentType) ? 2 : 1)];
    Arrays.fill(payload, (byte) 'x');
    if (RunnerSession.isJson(contentType)) {
      payload[0] = '"';
      payload[payload.length - 1] = '"';
    }
    return payload;
  }
}
