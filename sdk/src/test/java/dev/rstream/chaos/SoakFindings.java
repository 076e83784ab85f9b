package dev.rstream.chaos;

import dev.rstream.AuthenticationException;
import dev.rstream.ProtocolException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a soak run found: violations of the SDK's promises, and symptoms of known bugs whose checks
 * {@link SoakSettings} made lenient. Every violation is counted and printed to standard error; the
 * first 200 are kept for the summary and the final assertion. Thread-safe.
 */
final class SoakFindings {
  private static final String TOKEN_RACE = "token renewal raced a rotation (one-token server)";
  private static final String TRUNCATED_JSON = "truncated JSON body fails typed";

  private final SoakSettings settings;
  private final TokenIssuer tokens;
  private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
  private final AtomicLong violationCount = new AtomicLong();
  private final Map<String, AtomicLong> knownBugs = new ConcurrentHashMap<>();

  SoakFindings(SoakSettings settings, TokenIssuer tokens) {
    this.settings = settings;
    this.tokens = tokens;
  }

  /** A broken promise. */
  void violation(String what) {
    violationCount.incrementAndGet();
    if (violations.size() < 200) violations.add(what);
    System.err.println("VIOLATION: " + what);
  }

  /** One more violation of a kind already reported in full. */
  void countViolation() {
    violationCount.incrementAndGet();
  }

  /** A known bug's symptom: a violation if its check is strict, else counted. */
  void knownBug(boolean strict, String bug, String what) {
    if (strict) {
      violation(what);
      return;
    }
    knownBugs.computeIfAbsent(bug, b -> new AtomicLong()).incrementAndGet();
    System.err.println("KNOWN BUG (" + bug + "): " + what);
  }

  /**
   * Reports {@code error} ({@code what + error}) under the known bug it is a symptom of and returns
   * true, or returns false if it is none: then the caller reports it as a violation.
   */
  boolean knownFailure(String what, Throwable error) {
    if (racedRotation(error)) {
      knownBug(settings.strictTokenRace(), TOKEN_RACE, what + error);
      return true;
    }
    if (truncatedJson(error)) {
      knownBug(settings.strictTruncation(), TRUNCATED_JSON, what + error);
      return true;
    }
    return false;
  }

  /** An AuthenticationException within 2 s of a token rotation: the renewal raced the rotation. */
  private boolean racedRotation(Throwable error) {
    return error instanceof AuthenticationException && tokens.rotatedWithin(2);
  }

  private static boolean truncatedJson(Throwable error) {
    return error instanceof ProtocolException
        && String.valueOf(error.getMessage()).startsWith("malformed JSON");
  }

  /** The first 200 violations, in order. */
  List<String> violations() {
    return List.copyOf(violations);
  }

  long violationCount() {
    return violationCount.get();
  }

  /** Each known bug seen, with how often its symptom was. */
  Map<String, AtomicLong> knownBugs() {
    return knownBugs;
  }
}
