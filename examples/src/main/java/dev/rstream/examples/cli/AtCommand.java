package dev.rstream.examples.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rstream at URL TIME}: the state at TIME as JSON, {@code {"offset", "timestamp", "window",
 * "state": {type: {key: value}}}}, types and keys sorted. Reads only the window covering TIME (the
 * SDK's {@code RStreamClient.window}); {@code now} or a later TIME gives the current state.
 */
@Command(
    name = "at",
    mixinStandardHelpOptions = true,
    description = "Prints the state of the stream at TIME as JSON.")
final class AtCommand implements Callable<Integer> {
  @Mixin StreamTarget target = new StreamTarget();

  @Parameters(
      index = "1",
      paramLabel = "TIME",
      converter = TimeArgument.class,
      description =
          "RFC 3339 (2026-11-22T04:00:00Z), 'now', or relative to now: -30s, -5m, -2h, -1d.")
  @Nullable Instant time;

  @Option(names = "--compact", description = "One line instead of indented JSON.")
  boolean compact;

  @Spec @Nullable CommandSpec spec;

  // Before TIME is parsed (picocli makes the command first): 'now' is not before it.
  private final Instant created = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  @Override
  public Integer call() {
    try (StreamTarget.Connection connection = target.connect()) {
      connection.requireStream();
      RStreamClient client = connection.client();
      // 'now' (or later) is the current state: the live state's first. Not window(now), which is
      // a past time by the time it runs, and unknown in a stream whose changes carry no times.
      StateView view =
          connection.await(
              time == null || !time.isBefore(created)
                  ? client.live().firstOrError()
                  : client.window(time).firstOrError());
      JsonOutput.print(spec().commandLine().getOut(), toJson(view), !compact);
    }
    return ExitCode.OK;
  }

  private CommandSpec spec() {
    if (spec == null) throw new IllegalStateException("picocli did not inject the spec");
    return spec;
  }

  /** The JSON form of {@code view}, with every entity. */
  static ObjectNode toJson(StateView view) {
    ObjectNode root = JsonOutput.MAPPER.createObjectNode();
    JsonOutput.putOffset(root, "offset", view.offset());
    JsonOutput.putTime(root, "timestamp", view.timestamp());
    root.put("window", view.windowId());
    ObjectNode state = root.putObject("state");
    for (String type : new TreeSet<>(view.types())) {
      ObjectNode entities = state.putObject(type);
      for (Map.Entry<String, String> entity : new TreeMap<>(view.entities(type)).entrySet()) {
        entities.set(entity.getKey(), JsonOutput.value(entity.getValue()));
      }
    }
    return root;
  }
}
