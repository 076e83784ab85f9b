package dev.rstream.examples.cli;

import dev.rstream.NotAStateStreamException;
import dev.rstream.OutOfRangeException;
import dev.rstream.ProtocolException;
import dev.rstream.RStreamException;
import dev.rstream.StreamNotFoundException;
import dev.rstream.TransientException;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code rstream} command: {@code tail}, {@code at}, {@code windows} and {@code append} on one
 * state stream, and {@code keyframer}, which writes a stream's keyframes on a server that does not.
 * Failures print one line, {@code rstream <command>: <what went wrong>}, and exit with a code that
 * says what kind of failure it was (see {@link ExitCode}); {@code --verbose} adds the stack trace.
 *
 * <p>In process, {@link #commandLine} gives a configured picocli {@link CommandLine} that writes to
 * the given writers; {@code execute} runs one command on the calling thread and returns its exit
 * code.
 */
@Command(
    name = "rstream",
    mixinStandardHelpOptions = true,
    version = "rstream 0.1.0",
    description = "Reads and writes rstream state streams.",
    subcommands = {
      TailCommand.class,
      AtCommand.class,
      WindowsCommand.class,
      AppendCommand.class,
      KeyframerCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:internal error (a bug; --verbose shows where)",
      "2:usage: unknown option, missing or unparsable argument",
      "3:malformed URL",
      "4:malformed JSON, or not State Protocol (append)",
      "5:no state at that time: before the first keyframe, or untimed changes (at)",
      "6:stream not found (404)",
      "7:server down, unreachable or too slow (see --timeout)",
      "8:the server broke the protocol",
      "9:the server refused the request (keyframer: a newer keyframer took the stream over)",
      "10:not a state stream: not JSON, or not State Protocol messages"
    })
public final class RStreamCli implements Callable<Integer> {
  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Print the stack trace of a failure, and the SDK's log.")
  boolean verbose;

  @Spec @Nullable CommandSpec spec;

  @Override
  public Integer call() {
    if (spec == null) throw new IllegalStateException("picocli did not inject the spec");
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCode.USAGE;
  }

  /**
   * A command line that writes results to {@code out} and messages to {@code err}, turns failures
   * into one-line messages and {@link ExitCode}s, and creates a new command object per run.
   */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine commandLine = new CommandLine(new RStreamCli());
    commandLine.setOut(out);
    commandLine.setErr(err);
    // So that a relative TIME like -5m is a parameter, not an unknown option.
    commandLine.setUnmatchedOptionsArePositionalParams(true);
    commandLine.setExecutionExceptionHandler(RStreamCli::reportFailure);
    commandLine.setParameterExceptionHandler(RStreamCli::reportUsage);
    return commandLine;
  }

  /**
   * Runs one command and exits with its code. Ctrl-C interrupts the command (for {@code tail}, that
   * is the way to stop) and lets it finish its output before the JVM exits.
   */
  public static void main(String[] args) {
    boolean verbose =
        Arrays.asList(args).contains("-v") || Arrays.asList(args).contains("--verbose");
    // The SDK logs reconnects and retries through java.util.logging; a command reports its own
    // failures in one line, so the log is noise unless asked for.
    Logger sdkLog = Logger.getLogger("dev.rstream");
    sdkLog.setLevel(verbose ? Level.INFO : Level.OFF);
    // Errors after a command has finished (a read cancelled at close) have no one to go to.
    RxJavaPlugins.setErrorHandler(
        e -> {
          if (verbose) e.printStackTrace();
        });
    Thread worker = Thread.currentThread();
    CountDownLatch finished = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  worker.interrupt();
                  try {
                    finished.await(5, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "rstream-interrupt"));
    int exitCode =
        commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true))
            .execute(args);
    finished.countDown();
    System.exit(exitCode);
  }

  private static int reportUsage(CommandLine.ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    PrintWriter err = command.getErr();
    err.println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
    err.println("(" + command.getCommandSpec().qualifiedName() + " --help shows the usage)");
    err.flush();
    return ExitCode.USAGE;
  }

  private static int reportFailure(Exception exception, CommandLine command, ParseResult parsed) {
    Throwable failure = exception;
    // blockingGet wraps checked exceptions in a bare RuntimeException.
    while (failure.getClass() == RuntimeException.class && failure.getCause() != null) {
      failure = failure.getCause();
    }
    int exitCode = exitCode(failure);
    PrintWriter err = command.getErr();
    err.println(command.getCommandSpec().qualifiedName() + ": " + message(failure, exitCode));
    if (verbose(parsed)) failure.printStackTrace(err);
    else if (exitCode == ExitCode.INTERNAL) err.println("(--verbose shows the stack trace)");
    err.flush();
    return exitCode;
  }

  static int exitCode(Throwable failure) {
    if (failure instanceof CliFailure) return ((CliFailure) failure).exitCode();
    if (failure instanceof OutOfRangeException) return ExitCode.OUT_OF_RANGE;
    if (failure instanceof StreamNotFoundException) return ExitCode.NOT_FOUND;
    if (failure instanceof TransientException) return ExitCode.UNAVAILABLE;
    // Before ProtocolException, its superclass: the stream's content is wrong, not the server.
    if (failure instanceof NotAStateStreamException) return ExitCode.NOT_A_STATE_STREAM;
    if (failure instanceof ProtocolException) return ExitCode.PROTOCOL;
    if (failure instanceof RStreamException) return ExitCode.REFUSED;
    return ExitCode.INTERNAL;
  }

  private static String message(Throwable failure, int exitCode) {
    String message = String.valueOf(failure.getMessage());
    switch (exitCode) {
      case ExitCode.NOT_FOUND:
        return message.startsWith("stream not found") ? message : "stream not found: " + message;
      case ExitCode.UNAVAILABLE:
        if (failure instanceof CliFailure) return message;
        Throwable cause = failure.getCause();
        // "Connection refused" is what the user needs to read; the SDK keeps it as the cause.
        String reason = cause == null ? null : cause.getMessage();
        boolean told = reason == null || message.contains(reason);
        return "server unavailable: " + message + (told ? "" : ": " + reason);
      case ExitCode.PROTOCOL:
        return failure instanceof CliFailure ? message : "protocol error: " + message;
      case ExitCode.REFUSED:
        return "refused: " + message;
      case ExitCode.INTERNAL:
        return "internal error: " + failure;
      default:
        return message;
    }
  }

  /** Whether {@code --verbose} was given at any level of the command line. */
  private static boolean verbose(ParseResult parsed) {
    for (ParseResult level = parsed; level != null; level = level.subcommand()) {
      if (level.hasMatchedOption("--verbose")) return true;
    }
    return false;
  }
}
