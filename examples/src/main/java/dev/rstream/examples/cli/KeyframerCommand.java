package dev.rstream.examples.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.Offset;
import dev.rstream.keyframer.Keyframer;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rstream keyframer URL --changes N --interval T}: writes keyframes and index entries for a
 * state stream on a server that does not (any Durable Streams server; docs/PROTOCOL.md 3.5), one
 * JSON line per keyframe appended and per index entry. Runs until interrupted (Ctrl-C, or the
 * calling thread's interrupt in process), which ends it with status 0; a newer keyframer on the
 * same stream fences this one, which ends it with {@link ExitCode#REFUSED}.
 */
@Command(
    name = "keyframer",
    mixinStandardHelpOptions = true,
    description = "Writes keyframes and the keyframe index for a stream, on any server.")
final class KeyframerCommand implements Callable<Integer> {
  @Mixin StreamUrl url = new StreamUrl();

  @Option(
      names = "--changes",
      paramLabel = "N",
      defaultValue = "1000",
      description = "A keyframe after N changes since the last one (default: ${DEFAULT-VALUE}).")
  long changes = 1000;

  @Option(
      names = "--interval",
      paramLabel = "DURATION",
      defaultValue = "60s",
      converter = TimeArgument.DurationConverter.class,
      description =
          "A keyframe this long after the last one, if anything changed (default: ${DEFAULT-VALUE}).")
  Duration interval = Duration.ofSeconds(60);

  @Spec @Nullable CommandSpec spec;

  @Override
  public Integer call() {
    if (spec == null) throw new IllegalStateException("picocli did not inject the spec");
    PrintWriter out = spec.commandLine().getOut();
    String text = url.checked();
    if (changes <= 0) throw new CliFailure(ExitCode.USAGE, "--changes must be > 0: " + changes);
    if (interval.isZero() || interval.isNegative()) {
      throw new CliFailure(ExitCode.USAGE, "--interval must be > 0: " + interval);
    }
    Keyframer keyframer =
        Keyframer.builder(text)
            .changes(changes)
            .interval(interval)
            .listener(new Lines(out))
            .build();
    // run() blocks this thread; an interrupt (Ctrl-C) closes the keyframer from a watcher.
    Thread worker = Thread.currentThread();
    AtomicReference<@Nullable RuntimeException> failure = new AtomicReference<>();
    Thread runner =
        new Thread(
            () -> {
              try {
                keyframer.run();
              } catch (RuntimeException e) {
                failure.set(e);
              } finally {
                worker.interrupt();
              }
            },
            "rstream-keyframer");
    runner.setDaemon(true);
    runner.start();
    try {
      runner.join();
    } catch (InterruptedException e) {
      keyframer.close();
      try {
        runner.join(10_000);
      } catch (InterruptedException again) {
        Thread.currentThread().interrupt();
      }
    }
    Thread.interrupted(); // the runner's own wake-up, if it ended first
    out.flush();
    RuntimeException e = failure.get();
    if (e != null) throw e;
    return ExitCode.OK;
  }

  /** One JSON line per keyframe and per index entry. */
  private static final class Lines implements Keyframer.Listener {
    private final PrintWriter out;

    Lines(PrintWriter out) {
      this.out = out;
    }

    @Override
    public void keyframeAppended(Offset asOf, @Nullable Instant timestamp, int entities) {
      ObjectNode line = JsonOutput.MAPPER.createObjectNode();
      line.put("keyframe", "appended");
      JsonOutput.putOffset(line, "asOf", asOf);
      JsonOutput.putTime(line, "timestamp", timestamp);
      line.put("entities", entities);
      JsonOutput.print(out, line, false);
      out.flush();
    }

    @Override
    public void indexed(Offset position, Offset asOf) {
      ObjectNode line = JsonOutput.MAPPER.createObjectNode();
      line.put("keyframe", "indexed");
      JsonOutput.putOffset(line, "offset", asOf);
      JsonOutput.putOffset(line, "position", position);
      JsonOutput.print(out, line, false);
      out.flush();
    }
  }
}
