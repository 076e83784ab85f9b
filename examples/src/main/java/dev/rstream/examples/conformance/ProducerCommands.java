package dev.rstream.examples.conformance;

import static dev.rstream.examples.conformance.RunnerSession.COMMAND_DEADLINE_MILLIS;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.durable.AppendResult;
import dev.rstream.durable.IdempotentProducer;
import dev.rstream.durable.ProducerOptions;
import io.reactivex.rxjava3.core.Single;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The idempotent producer commands: {@code idempotent-append}, {@code -append-batch}, {@code
 * -close} and {@code -detach}. Owns the producers kept between commands, one per stream, producer
 * id and epoch, until detached or {@link #stopAll}.
 */
final class ProducerCommands {
  private final RunnerSession session;
  private final Map<String, IdempotentProducer> producers = new ConcurrentHashMap<>();

  ProducerCommands(RunnerSession session) {
    this.session = session;
  }

  ObjectNode append(JsonNode command) {
    String path = command.path("path").asText();
    AppendResult result =
        enqueue(kept(command, path), path, command.path("data").asText())
            .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
            .blockingGet();
    ObjectNode answer = Answers.ok("idempotent-append");
    answer.put("status", 200);
    if (result.nextOffset() != null) answer.put("offset", result.nextOffset().value());
    answer.put("duplicate", result.duplicate());
    if (result.producerSeq() >= 0) answer.put("producerSeq", result.producerSeq());
    return answer;
  }

  ObjectNode appendBatch(JsonNode command) {
    String path = command.path("path").asText();
    int maxInFlight = command.hasNonNull("maxInFlight") ? command.get("maxInFlight").asInt() : 1;
    ProducerOptions.Builder options = options(command, path).maxInFlight(maxInFlight);
    if (maxInFlight > 1) {
      // Concurrency is under test: one message per batch, so that batches overlap.
      options.maxBatchBytes(1).linger(0, TimeUnit.MILLISECONDS);
    } else {
      options.linger(1000, TimeUnit.MILLISECONDS);
    }
    IdempotentProducer producer = session.stream(command).producer(options.build());
    List<Single<AppendResult>> results = new ArrayList<>();
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
    for (Single<AppendResult> result : results) {
      producerSeq = Math.max(producerSeq, result.blockingGet().producerSeq());
    }
    ObjectNode answer = Answers.ok("idempotent-append-batch");
    answer.put("status", 200);
    if (producerSeq >= 0) answer.put("producerSeq", producerSeq);
    return answer;
  }

  ObjectNode close(JsonNode command) {
    String path = command.path("path").asText();
    IdempotentProducer producer = kept(command, path);
    byte[] finalData =
        command.hasNonNull("data")
            ? command.get("data").asText().getBytes(StandardCharsets.UTF_8)
            : null;
    AppendResult result =
        producer
            .closeStream(finalData)
            .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
            .blockingGet();
    ObjectNode answer = Answers.ok("idempotent-close");
    answer.put("status", 200);
    if (result.nextOffset() != null) answer.put("finalOffset", result.nextOffset().value());
    return answer;
  }

  ObjectNode detach(JsonNode command) {
    IdempotentProducer producer = producers.remove(key(command));
    if (producer != null) {
      producer.detach().timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS).blockingAwait();
    }
    ObjectNode answer = Answers.ok("idempotent-detach");
    answer.put("status", 200);
    return answer;
  }

  /** Detaches every kept producer, ignoring failures, and forgets them. */
  void stopAll() {
    for (IdempotentProducer producer : producers.values()) {
      producer.detach().onErrorComplete().blockingAwait(5, TimeUnit.SECONDS);
    }
    producers.clear();
  }

  /** The producer kept for the command's stream, id and epoch; a new one the first time. */
  private IdempotentProducer kept(JsonNode command, String path) {
    return producers.computeIfAbsent(
        key(command),
        key -> session.stream(command).producer(options(command, path).maxInFlight(1).build()));
  }

  private static String key(JsonNode command) {
    return command.path("path").asText()
        + "|"
        + command.path("producerId").asText()
        + "|"
        + command.path("epoch").asLong(0);
  }

  private ProducerOptions.Builder options(JsonNode command, String path) {
    return ProducerOptions.builder(command.path("producerId").asText())
        .epoch(command.path("epoch").asLong(0))
        .autoClaim(command.path("autoClaim").asBoolean(false))
        .contentType(session.contentTypeOf(path))
        .linger(0, TimeUnit.MILLISECONDS);
  }

  /** Queues one item: a JSON value for JSON streams, its UTF-8 bytes otherwise. */
  private Single<AppendResult> enqueue(IdempotentProducer producer, String path, String data) {
    return RunnerSession.isJson(session.contentTypeOf(path))
        ? producer.appendJson(data)
        : producer.append(data.getBytes(StandardCharsets.UTF_8));
  }
}
