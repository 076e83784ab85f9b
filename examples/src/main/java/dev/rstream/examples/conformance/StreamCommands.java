package dev.rstream.examples.conformance;

import static dev.rstream.examples.conformance.RunnerSession.COMMAND_DEADLINE_MILLIS;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.Offset;
import dev.rstream.durable.AppendOptions;
import dev.rstream.durable.AppendResult;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.StreamInfo;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * The commands on one stream that are not reads and not a producer's: {@code create}, {@code
 * connect}, {@code head}, {@code delete}, {@code append} and {@code close}. Each answers with what
 * the library returned; failures are thrown for {@link Answers#error(String, Throwable)}.
 */
final class StreamCommands {
  private final RunnerSession session;

  StreamCommands(RunnerSession session) {
    this.session = session;
  }

  ObjectNode create(JsonNode command) {
    String path = command.path("path").asText();
    String contentType = command.path("contentType").asText(RunnerSession.DEFAULT_CONTENT_TYPE);
    CreateOptions.Builder options = CreateOptions.builder().contentType(contentType);
    if (command.hasNonNull("ttlSeconds")) options.ttlSeconds(command.get("ttlSeconds").asLong());
    if (command.hasNonNull("expiresAt")) options.expiresAt(command.get("expiresAt").asText());
    if (command.path("closed").asBoolean(false)) options.closed(true);
    if (command.hasNonNull("data")) {
      options.initialData(command.get("data").asText().getBytes(StandardCharsets.UTF_8));
    }
    StreamInfo info =
        session.stream(command)
            .create(options.build())
            .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
            .blockingGet();
    session.knowContentType(path, contentType);
    ObjectNode answer = Answers.ok("create");
    answer.put("status", info.status());
    if (info.nextOffset() != null) answer.put("offset", info.nextOffset().value());
    return answer;
  }

  ObjectNode connect(JsonNode command) {
    StreamInfo info = headOf(command);
    ObjectNode answer = Answers.ok("connect");
    answer.put("status", 200);
    if (info.nextOffset() != null) answer.put("offset", info.nextOffset().value());
    return answer;
  }

  ObjectNode head(JsonNode command) {
    StreamInfo info = headOf(command);
    ObjectNode answer = Answers.ok("head");
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
        session.stream(command)
            .head()
            .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
            .blockingGet();
    if (info.contentType() != null) {
      session.knowContentType(command.path("path").asText(), info.contentType());
    }
    return info;
  }

  ObjectNode delete(JsonNode command) {
    session.stream(command)
        .delete()
        .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
        .blockingAwait();
    session.forget(command.path("path").asText());
    ObjectNode answer = Answers.ok("delete");
    answer.put("status", 200);
    return answer;
  }

  ObjectNode append(JsonNode command) {
    String path = command.path("path").asText();
    byte[] body = data(command);
    AppendOptions.Builder options = AppendOptions.builder();
    if (command.hasNonNull("seq")) options.seq(command.get("seq").asText());
    String contentType = session.contentTypeOf(path);
    AppendResult result =
        session.stream(command)
            .append(body, contentType, options.build())
            .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
            .blockingGet();
    ObjectNode answer = Answers.ok("append");
    // The suite's "status" of an append is 200 for accepted, whether the server said 200 or 204.
    answer.put("status", 200);
    if (result.nextOffset() != null) answer.put("offset", result.nextOffset().value());
    session.putSent(answer);
    return answer;
  }

  ObjectNode close(JsonNode command) {
    String path = command.path("path").asText();
    Offset finalOffset;
    if (command.hasNonNull("data")) {
      String contentType = command.path("contentType").asText(session.contentTypeOf(path));
      AppendResult result =
          session.stream(command)
              .append(data(command), contentType, AppendOptions.builder().close(true).build())
              .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
              .blockingGet();
      finalOffset = result.nextOffset();
    } else {
      finalOffset =
          session.stream(command)
              .closeStream()
              .timeout(COMMAND_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
              .blockingGet();
    }
    ObjectNode answer = Answers.ok("close");
    if (finalOffset != null) answer.put("finalOffset", finalOffset.value());
    return answer;
  }

  private static byte[] data(JsonNode command) {
    String data = command.path("data").asText("");
    return command.path("binary").asBoolean(false)
        ? Base64.getDecoder().decode(data)
        : data.getBytes(StandardCharsets.UTF_8);
  }
}
