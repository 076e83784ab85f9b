package dev.rstream.server.workload;

import dev.rstream.server.state.Rfc3339;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The workload's command line ({@link Workload#main}): {@code --url URL} (the stream, required),
 * {@code --rate N} changes per second (default 10), {@code --count N} (default 1000) or {@code
 * --duration D}, {@code --seed N} (default 1), {@code --step D} to use a simulated clock that
 * starts now (or at {@code --start RFC3339}) and advances by D per change, {@code --policy P} for
 * the {@code Rstream-Keyframes} header, {@code --retry-for D} (default 60s) to wait for a server
 * that is down. Durations are {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h} or ISO-8601
 * ({@code PT1M}). A missing or unknown option prints the usage and exits with status 2.
 */
final class WorkloadCommandLine {
  private WorkloadCommandLine() {}

  /** Parses {@code args}, runs the workload and prints how many changes it wrote. */
  static void run(String[] args) throws Exception {
    Workload.Builder b = Workload.builder();
    boolean hasUrl = false;
    @Nullable Duration step = null;
    @Nullable Instant start = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (i + 1 >= args.length) usage("missing value for " + arg);
      String v = args[++i];
      switch (arg) {
        case "--url":
          b.streamUrl(URI.create(v));
          hasUrl = true;
          break;
        case "--rate":
          b.rate(Double.parseDouble(v));
          break;
        case "--count":
          b.count(Long.parseLong(v));
          break;
        case "--duration":
          b.duration(parseDuration(v));
          break;
        case "--seed":
          b.seed(Long.parseLong(v));
          break;
        case "--step":
          step = Workload.nonNegative(parseDuration(v));
          break;
        case "--start":
          start = Rfc3339.parse(v);
          break;
        case "--policy":
          b.keyframePolicy(v);
          break;
        case "--retry-for":
          b.retryFor(parseDuration(v));
          break;
        default:
          usage("unknown option " + arg);
      }
    }
    if (!hasUrl) usage("--url is required");
    if (start != null) {
      b.simulatedClock(start, step != null ? step : Duration.ofSeconds(1));
    } else if (step != null) {
      b.simulatedClock(step);
    }
    Workload w = b.build();
    long written = w.run();
    System.out.println(written + " changes written to " + w.streamUrl());
  }

  private static void usage(String why) {
    System.err.println(why);
    System.err.println(
        "usage: Workload --url http://host:port/v1/stream/demo [--rate 10] [--count 1000 | --duration 60s]"
            + " [--seed 1] [--step 1m [--start 2026-01-01T00:00:00Z]] [--policy 'changes=100, interval=10s']"
            + " [--retry-for 60s]");
    System.exit(2);
  }

  /** A duration option: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h} or ISO-8601. */
  static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("p")) return Duration.parse(text.trim());
    int digits = 0;
    while (digits < t.length() && Character.isDigit(t.charAt(digits))) digits++;
    if (digits == 0) throw new IllegalArgumentException("not a duration: " + text);
    long n = Long.parseLong(t.substring(0, digits));
    switch (t.substring(digits)) {
      case "ms":
        return Duration.ofMillis(n);
      case "s":
        return Duration.ofSeconds(n);
      case "m":
        return Duration.ofMinutes(n);
      case "h":
        return Duration.ofHours(n);
      default:
        throw new IllegalArgumentException("not a duration (ms, s, m, h): " + text);
    }
  }
}
