package dev.rstream.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.StreamNotFoundException;
import dev.rstream.WindowInfo;
import dev.rstream.WindowState;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.durable.StreamInfo;
import java.io.PrintWriter;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rstream windows URL}: the stream's keyframes, from its keyframe index ({@code
 * URL.keyframes}, docs/PROTOCOL.md 3.4), and the windows they bound, as a table or {@code --json}.
 *
 * <p>Reads the index only, never the stream's data: every window but the last has an end bound and
 * so is {@link WindowState#COMMITTED} (it can never change); the last is {@link WindowState#LIVE}
 * and runs to the stream's tail. With no index (another writer's stream) the whole stream is shown
 * as one live window from {@code -1}, with a note on standard error, since finding its keyframes
 * would mean reading all of it.
 */
@Command(
    name = "windows",
    mixinStandardHelpOptions = true,
    description = "Lists the keyframes of the stream and the windows between them.")
final class WindowsCommand implements Callable<Integer> {
  @Mixin StreamTarget target = new StreamTarget();

  @Option(names = "--json", description = "JSON instead of a table.")
  boolean json;

  @Spec @Nullable CommandSpec spec;

  @Override
  public Integer call() {
    if (spec == null) throw new IllegalStateException("picocli did not inject the spec");
    PrintWriter out = spec.commandLine().getOut();
    try (StreamTarget.Connection connection = target.connect()) {
      StreamInfo info = connection.requireStream();
      List<Keyframe> keyframes = readIndex(connection);
      if (keyframes == null) {
        spec.commandLine()
            .getErr()
            .println(
                "rstream windows: no keyframe index at "
                    + connection.url()
                    + ".keyframes;"
                    + " showing the whole stream as one live window");
        spec.commandLine().getErr().flush();
        keyframes = List.of();
      }
      List<WindowInfo> windows = windows(keyframes);
      if (json) {
        JsonOutput.print(
            out, toJson(connection.url(), info.nextOffset(), keyframes, windows), true);
      } else {
        printTable(out, info.nextOffset(), keyframes.size(), windows);
      }
    }
    return ExitCode.OK;
  }

  /** The keyframes the index lists, in stream order, or null if the stream has no index. */
  private static @Nullable List<Keyframe> readIndex(StreamTarget.Connection connection) {
    List<JsonNode> entries;
    try {
      entries =
          connection.await(
              connection
                  .companion(".keyframes")
                  .read(ReadOptions.from(Offset.START), MessageDecoder.jsonNode())
                  .concatMapIterable(ReadBatch::messages)
                  .toList());
    } catch (StreamNotFoundException e) {
      return null;
    }
    List<Keyframe> keyframes = new ArrayList<>(entries.size());
    for (JsonNode entry : entries) {
      Keyframe keyframe = keyframe(entry);
      // The index is a hint written after each keyframe; a writer that retried may repeat one.
      if (keyframes.isEmpty() || keyframes.get(keyframes.size() - 1).compareTo(keyframe) < 0) {
        keyframes.add(keyframe);
      }
    }
    return keyframes;
  }

  private static Keyframe keyframe(JsonNode entry) {
    JsonNode offset = entry.get("offset");
    JsonNode timestamp = entry.get("timestamp");
    // An entry without a timestamp is an untimed keyframe (a stream's initial, empty one).
    if (offset == null || !offset.isTextual() || (timestamp != null && !timestamp.isTextual())) {
      throw new CliFailure(ExitCode.PROTOCOL, "malformed keyframe index entry: " + entry);
    }
    try {
      Instant time =
          timestamp == null ? Instant.MIN : OffsetDateTime.parse(timestamp.asText()).toInstant();
      return Keyframe.of(Offset.of(offset.asText()), time);
    } catch (DateTimeException | IllegalArgumentException e) {
      throw new CliFailure(ExitCode.PROTOCOL, "malformed keyframe index entry: " + entry, e);
    }
  }

  /** Window k runs from keyframe k to keyframe k+1; the last one is live (docs/PROTOCOL.md 3.3). */
  static List<WindowInfo> windows(List<Keyframe> keyframes) {
    if (keyframes.isEmpty()) return List.of(WindowInfo.of(null, null, WindowState.LIVE));
    List<WindowInfo> windows = new ArrayList<>(keyframes.size());
    for (int k = 0; k < keyframes.size() - 1; k++) {
      windows.add(WindowInfo.of(keyframes.get(k), keyframes.get(k + 1), WindowState.COMMITTED));
    }
    windows.add(WindowInfo.of(keyframes.get(keyframes.size() - 1), null, WindowState.LIVE));
    return windows;
  }

  private static ObjectNode toJson(
      String url, @Nullable Offset tail, List<Keyframe> keyframes, List<WindowInfo> windows) {
    ObjectNode root = JsonOutput.MAPPER.createObjectNode();
    root.put("stream", url);
    JsonOutput.putOffset(root, "tail", tail);
    ArrayNode keyframeArray = root.putArray("keyframes");
    for (Keyframe keyframe : keyframes) keyframeArray.add(bound(keyframe));
    ArrayNode windowArray = root.putArray("windows");
    for (WindowInfo window : windows) {
      ObjectNode w = windowArray.addObject();
      w.put("id", window.id());
      w.put("state", window.state().name());
      Keyframe start = window.start();
      Keyframe end = window.end();
      if (start == null) w.putNull("start");
      else w.set("start", bound(start));
      if (end == null) w.putNull("end");
      else w.set("end", bound(end));
    }
    return root;
  }

  private static ObjectNode bound(Keyframe keyframe) {
    ObjectNode node = JsonOutput.MAPPER.createObjectNode();
    JsonOutput.putOffset(node, "offset", keyframe.offset());
    // null for a keyframe without a timestamp (the start of time, docs/PROTOCOL.md 3.2).
    JsonOutput.putTime(node, "timestamp", keyframe.hasTimestamp() ? keyframe.timestamp() : null);
    return node;
  }

  private static void printTable(
      PrintWriter out, @Nullable Offset tail, int keyframeCount, List<WindowInfo> windows) {
    out.printf(
        "%d keyframes, %d windows, tail offset %s%n",
        keyframeCount, windows.size(), tail == null ? "unknown" : tail.value());
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"#", "STATE", "START OFFSET", "START TIME", "END OFFSET", "END TIME"});
    for (int i = 0; i < windows.size(); i++) {
      WindowInfo window = windows.get(i);
      Keyframe start = window.start();
      Keyframe end = window.end();
      rows.add(
          new String[] {
            Integer.toString(i),
            window.state().name(),
            start == null ? Offset.START.value() : start.offset().value(),
            start == null || !start.hasTimestamp() ? "-" : start.timestamp().toString(),
            end == null ? (tail == null ? "-" : tail.value() + " (tail)") : end.offset().value(),
            end == null ? "-" : end.timestamp().toString()
          });
    }
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int c = 0; c < row.length; c++) widths[c] = Math.max(widths[c], row[c].length());
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < row.length; c++) {
        if (c > 0) line.append("  ");
        line.append(row[c]);
        if (c < row.length - 1) line.append(" ".repeat(widths[c] - row[c].length()));
      }
      out.println(line);
    }
    out.flush();
  }
}
