package dev.rstream.chaos;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Checks that no token reaches a log: every record of the SDK's {@code dev.rstream} logger (at
 * {@code FINE} and above while installed), and server-stub's log file at the end. A token found is
 * a violation. Thread-safe.
 */
final class TokenLeakCheck extends Handler {
  private final Logger sdkLogger = Logger.getLogger("dev.rstream");
  private final SoakFindings findings;
  private final AtomicLong recordsChecked = new AtomicLong();

  TokenLeakCheck(SoakFindings findings) {
    this.findings = findings;
  }

  /** Hears the SDK's log from now on, down to {@code FINE}. */
  void install() {
    sdkLogger.addHandler(this);
    if (!sdkLogger.isLoggable(Level.FINE)) sdkLogger.setLevel(Level.FINE);
  }

  /** Stops hearing the SDK's log and gives its level back to the parent's. */
  void uninstall() {
    sdkLogger.removeHandler(this);
    sdkLogger.setLevel(null);
  }

  /** Looks for a token in server-stub's log file. */
  void checkServerLog(File log) throws IOException {
    if (Files.readString(log.toPath()).contains(TokenIssuer.TOKEN_PREFIX))
      findings.violation("a token in server-stub's log");
  }

  /** Records of the SDK's log checked so far. */
  long recordsChecked() {
    return recordsChecked.get();
  }

  @Override
  public void publish(LogRecord record) {
    recordsChecked.incrementAndGet();
    StringBuilder text = new StringBuilder(String.valueOf(record.getMessage()));
    if (record.getParameters() != null) {
      for (Object parameter : record.getParameters()) text.append(' ').append(parameter);
    }
    for (Throwable t = record.getThrown(); t != null; t = t.getCause()) text.append(' ').append(t);
    if (text.indexOf(TokenIssuer.TOKEN_PREFIX) >= 0)
      findings.violation("a token in the SDK's log: " + record.getLoggerName());
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
