package dev.rstream.examples.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.RetryPolicy;
import dev.rstream.durable.ProducerOptions;
import java.util.concurrent.TimeUnit;

/**
 * The {@code validate} command: builds the options the runner describes with the library's
 * builders, whose argument checks decide; nothing is sent. Stateless.
 */
final class ValidateCommand {
  private ValidateCommand() {}

  static ObjectNode validate(JsonNode command) {
    JsonNode target = command.path("target");
    String kind = target.path("target").asText();
    try {
      switch (kind) {
        case "retry-options":
          retryPolicy(target);
          return Answers.ok("validate");
        case "idempotent-producer":
          producerOptions(target);
          return Answers.ok("validate");
        default:
          return Answers.error(
              "validate", "NOT_SUPPORTED", "unknown validation target: " + kind, null);
      }
    } catch (IllegalArgumentException e) {
      return Answers.error("validate", "INVALID_ARGUMENT", e.getMessage(), null);
    }
  }

  private static void retryPolicy(JsonNode target) {
    RetryPolicy.Builder policy = RetryPolicy.builder();
    if (target.hasNonNull("maxRetries")) policy.maxRetries(target.get("maxRetries").asInt());
    if (target.hasNonNull("initialDelayMs")) {
      policy.initialDelay(target.get("initialDelayMs").asLong(), TimeUnit.MILLISECONDS);
    }
    if (target.hasNonNull("maxDelayMs")) {
      policy.maxDelay(target.get("maxDelayMs").asLong(), TimeUnit.MILLISECONDS);
    }
    if (target.hasNonNull("multiplier")) policy.multiplier(target.get("multiplier").asDouble());
    policy.build();
  }

  private static void producerOptions(JsonNode target) {
    ProducerOptions.Builder options =
        ProducerOptions.builder(target.path("producerId").asText("test-producer"));
    if (target.hasNonNull("epoch")) options.epoch(target.get("epoch").asLong());
    if (target.hasNonNull("maxBatchBytes")) {
      options.maxBatchBytes(target.get("maxBatchBytes").asLong());
    }
    if (target.hasNonNull("maxBatchItems")) {
      options.maxBatchItems(target.get("maxBatchItems").asInt());
    }
    options.build();
  }
}
