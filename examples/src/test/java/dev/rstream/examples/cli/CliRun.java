package dev.rstream.examples.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One {@code rstream} command run in process to its end: its exit code and what it printed. */
record CliRun(int exitCode, String out, String err) {

  /** Runs {@code args} on the calling thread and returns once the command has exited. */
  static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        RStreamCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
            .execute(args);
    return new CliRun(exitCode, out.toString(), err.toString());
  }
}
