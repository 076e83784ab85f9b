package dev.rstream.examples.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.rstream.Change;
import dev.rstream.Offset;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rstream append URL JSON}: appends one State Protocol change, or an array of them in one
 * request (atomic, in order), and prints the offset after them. The JSON is checked before anything
 * is sent: each change needs a {@code type}, a {@code key}, {@code headers.operation} ({@code
 * insert}, {@code update} or {@code delete}) and, unless it deletes, a {@code value}; {@code
 * old_value}, {@code headers.timestamp} (RFC 3339) and {@code headers.txid} are optional. Control
 * messages are refused: keyframes are the server's (or producer's) business.
 */
@Command(
    name = "append",
    mixinStandardHelpOptions = true,
    description = "Appends State Protocol changes to the stream and prints the offset after them.")
final class AppendCommand implements Callable<Integer> {
  private static final ObjectReader READER =
      JsonOutput.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  @Mixin StreamTarget target = new StreamTarget();

  @Parameters(
      index = "1",
      paramLabel = "JSON",
      description = {
        "A change, e.g. '{\"type\":\"user\",\"key\":\"1\",\"value\":{\"name\":\"Ada\"},"
            + "\"headers\":{\"operation\":\"insert\"}}', or an array of changes; '-' reads standard input."
      })
  @Nullable String json;

  @Spec @Nullable CommandSpec spec;

  private final InputStream stdin;

  AppendCommand() {
    this(System.in);
  }

  AppendCommand(InputStream stdin) {
    this.stdin = stdin;
  }

  @Override
  public Integer call() {
    if (spec == null) throw new IllegalStateException("picocli did not inject the spec");
    // Checked before connecting: bad input is reported the same whether or not the server is up.
    List<Change> changes = parse("-".equals(json) ? readStdin() : json == null ? "" : json);
    try (StreamTarget.Connection connection = target.connect()) {
      connection.requireStream();
      Offset offset = connection.await(connection.client().append(changes));
      spec.commandLine().getOut().println(offset.value());
      spec.commandLine().getOut().flush();
    }
    return ExitCode.OK;
  }

  private String readStdin() {
    try {
      return new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The changes {@code text} holds.
   *
   * @throws CliFailure with {@link ExitCode#BAD_JSON} naming the first problem and where it is.
   */
  static List<Change> parse(String text) {
    JsonNode root;
    try {
      root = READER.readTree(text);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where =
          at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new CliFailure(
          ExitCode.BAD_JSON, "malformed JSON" + where + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (root == null || root.isMissingNode()) {
      throw new CliFailure(ExitCode.BAD_JSON, "malformed JSON: no value given");
    }
    List<Change> changes = new ArrayList<>();
    if (root.isArray()) {
      if (root.isEmpty())
        throw new CliFailure(ExitCode.BAD_JSON, "not State Protocol: the array is empty");
      for (int i = 0; i < root.size(); i++) changes.add(change(root.get(i), "change [" + i + "]"));
    } else {
      changes.add(change(root, "change"));
    }
    return changes;
  }

  private static Change change(JsonNode message, String name) {
    if (!message.isObject()) throw notStateProtocol(name, "is not a JSON object");
    JsonNode headers = message.get("headers");
    if (headers == null || !headers.isObject())
      throw notStateProtocol(name, "has no \"headers\" object");
    if (headers.has("control")) {
      throw notStateProtocol(name, "is a control message; append writes changes only");
    }
    String operationName = text(headers, "operation", name, "headers.operation");
    Change.Operation operation = Change.Operation.fromWireName(operationName);
    if (operation == null) {
      throw notStateProtocol(
          name, "has headers.operation \"" + operationName + "\"; want insert, update or delete");
    }
    Change.Builder change =
        Change.builder()
            .operation(operation)
            .type(text(message, "type", name, "type"))
            .key(text(message, "key", name, "key"));
    JsonNode value = message.get("value");
    if (value == null && operation != Change.Operation.DELETE) {
      throw notStateProtocol(name, "is an " + operationName + " with no \"value\"");
    }
    if (value != null) change.value(value.toString());
    JsonNode oldValue = message.get("old_value");
    if (oldValue != null) change.oldValue(oldValue.toString());
    if (headers.has("timestamp")) {
      String timestamp = text(headers, "timestamp", name, "headers.timestamp");
      try {
        change.timestamp(OffsetDateTime.parse(timestamp).toInstant());
      } catch (DateTimeException e) {
        throw notStateProtocol(name, "has headers.timestamp \"" + timestamp + "\", not RFC 3339");
      }
    }
    if (headers.has("txid")) change.txid(text(headers, "txid", name, "headers.txid"));
    return change.build();
  }

  /** The non-empty string at {@code field} of {@code node}. */
  private static String text(JsonNode node, String field, String name, String path) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.asText().isEmpty()) {
      throw notStateProtocol(name, "needs a non-empty string \"" + path + "\"");
    }
    return value.asText();
  }

  private static CliFailure notStateProtocol(String name, String problem) {
    return new CliFailure(ExitCode.BAD_JSON, "not State Protocol: " + name + " " + problem);
  }
}
