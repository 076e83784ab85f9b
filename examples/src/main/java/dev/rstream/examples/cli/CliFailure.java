package dev.rstream.examples.cli;

import static java.util.Objects.requireNonNull;

/**
 * A failure the tool diagnosed itself (bad URL, bad JSON): its message is the one line printed,
 * {@link #exitCode()} the process status.
 */
final class CliFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  CliFailure(int exitCode, String message) {
    super(requireNonNull(message, "message == null"));
    this.exitCode = exitCode;
  }

  CliFailure(int exitCode, String message, Throwable cause) {
    super(requireNonNull(message, "message == null"), cause);
    this.exitCode = exitCode;
  }

  /** One of the {@link ExitCode} values. */
  int exitCode() {
    return exitCode;
  }
}
