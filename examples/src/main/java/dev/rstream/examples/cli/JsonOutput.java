package dev.rstream.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.Offset;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** How the subcommands write JSON: one mapper, offsets and times as strings, values as parsed. */
final class JsonOutput {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private JsonOutput() {}

  /** Writes {@code node} as one line, or indented over several when {@code pretty}, and flushes. */
  static void print(PrintWriter out, JsonNode node, boolean pretty) {
    try {
      String text =
          pretty
              ? MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node)
              : MAPPER.writeValueAsString(node);
      out.println(text);
      out.flush();
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A value the SDK holds as JSON text, as a tree so that it nests (and indents) in the output. */
  static JsonNode value(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      // The SDK validated it when it read it; a failure here is a bug, not bad input.
      throw new UncheckedIOException(e);
    }
  }

  /** Puts {@code offset} as its wire token, or null. */
  static void putOffset(ObjectNode node, String field, @Nullable Offset offset) {
    if (offset == null) node.putNull(field);
    else node.put(field, offset.value());
  }

  /** Puts {@code time} as RFC 3339 (UTC), or null. */
  static void putTime(ObjectNode node, String field, @Nullable Instant time) {
    if (time == null) node.putNull(field);
    else node.put(field, time.toString());
  }
}
