package dev.rstream.examples.cli;

import static java.util.concurrent.TimeUnit.SECONDS;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * An {@code rstream} command that runs until interrupted ({@code tail}, {@code keyframer}) on a
 * thread of its own, printing to writers the test reads while it runs. {@link #stop()} interrupts
 * it and waits for it to end.
 */
final class BackgroundCommand {
  private final Thread thread;
  private final AtomicReference<@Nullable Integer> exitCode = new AtomicReference<>();

  private BackgroundCommand(Writer out, Writer err, String... args) {
    thread =
        new Thread(
            () ->
                exitCode.set(
                    RStreamCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                        .execute(args)),
            "rstream-" + args[0] + "-test");
  }

  /** Starts {@code args} on its own thread; output lines go to {@code out} and {@code err}. */
  static BackgroundCommand start(Writer out, Writer err, String... args) {
    BackgroundCommand command = new BackgroundCommand(out, err, args);
    command.thread.start();
    return command;
  }

  /** Waits up to {@code seconds} for the command to end of its own accord. */
  void awaitExit(long seconds) throws InterruptedException {
    thread.join(SECONDS.toMillis(seconds));
  }

  /** Interrupts the command, as Ctrl-C does, and waits up to 10 s for it to end. */
  void stop() throws InterruptedException {
    thread.interrupt();
    awaitExit(10);
  }

  /** Whether the command is still running. */
  boolean isAlive() {
    return thread.isAlive();
  }

  /** The command's exit code, or null while it runs. */
  @Nullable Integer exitCode() {
    return exitCode.get();
  }
}
