package dev.rstream.examples.conformance;

import static dev.rstream.examples.conformance.RunnerSession.COMMAND_DEADLINE_MILLIS;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.Offset;
import dev.rstream.UnexpectedStatusException;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadOptions;
import org.jspecify.annotations.Nullable;

/**
 * The {@code read} command: a catch-up or live read of one stream, collected by a {@link
 * ChunkCollector} into the chunks the suite counts, within the runner's wait or the command's
 * deadline.
 */
final class ReadCommand {
  /** The live-read wait when the runner sets none (the reference TypeScript adapter's default). */
  private static final long DEFAULT_READ_TIMEOUT_MILLIS = 5_000;

  private final RunnerSession session;

  ReadCommand(RunnerSession session) {
    this.session = session;
  }

  ObjectNode read(JsonNode command) throws InterruptedException {
    ReadOptions.Builder options =
        ReadOptions.builder()
            // One batch per response, as the suite counts chunks.
            .maxBatchMessages(Integer.MAX_VALUE);
    if (command.hasNonNull("offset")) {
      try {
        options.offset(Offset.of(command.get("offset").asText()));
      } catch (IllegalArgumentException e) {
        return Answers.error("read", "INVALID_OFFSET", e.getMessage(), null);
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
      collector.collect(session.stream(command).read(options.build(), MessageDecoder.rawJson()));
    } catch (UnexpectedStatusException e) {
      if (e.status() == 400) return Answers.error("read", "INVALID_OFFSET", e.getMessage(), 400);
      throw e;
    }
    if (collector.timedOut && mode == LiveMode.OFF) {
      return Answers.error(
          "read", "TIMEOUT", "catch-up read not finished after " + deadline + " ms", null);
    }
    ObjectNode answer = Answers.ok("read");
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
    session.putSent(answer);
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
}
