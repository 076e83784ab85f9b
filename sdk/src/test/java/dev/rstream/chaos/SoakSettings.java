package dev.rstream.chaos;

import java.util.Random;

/**
 * The soak's knobs, read once from system properties, and the fixed shape of the run.
 *
 * <p>{@code -Dsoak.minutes=N} (default 2), {@code -Dsoak.seed=N} (default: random, printed) to
 * replay a run's faults, {@code -Dsoak.faultRate=P} (default 0.08 of exchanges), {@code
 * -Dsoak.liveFaultRate=P} (default 0.4 of live reads, which last seconds).
 *
 * <p>The {@code strict*} flags are SDK bugs the soak found (RELIABILITY.md). Each check is strict
 * by default; should a bug come back and a fix take time, {@code -Dsoak.<flag>=false} counts its
 * symptom under "known bugs" instead of failing the run, so that the other invariants keep running.
 *
 * @param minutes how long faults are injected
 * @param seed what every random choice of the run derives from
 * @param faultRate the share of exchanges the proxy faults
 * @param liveFaultRate the share of live reads the proxy faults
 * @param strictCatchUp a subscriber that attaches while the cursor resumes from held state jumps to
 *     the caught-up state
 * @param strictTruncation a body cut inside JSON (clean end, or a cut mid-value that poisons the
 *     decoder) fails typed, unretried
 * @param strictLiveWindow window(ts) in the live window answers from a live state that is behind ts
 *     (stale caught-up flag)
 * @param strictTokenRace server-stub accepts one token at a time, so a request renewed just before
 *     a rotation and sent just after it is refused again; the SDK renews again while the supplier
 *     gives a new token (BearerAuth.MAX_RENEWALS), so this is strict by default
 */
record SoakSettings(
    double minutes,
    long seed,
    double faultRate,
    double liveFaultRate,
    boolean strictCatchUp,
    boolean strictTruncation,
    boolean strictLiveWindow,
    boolean strictTokenRace) {
  static final int CLIENTS = 20;
  static final int SUBSCRIBERS_PER_CLIENT = 3;
  static final int CHANGES_PER_SECOND = 50;
  static final int KEYFRAME_CHANGES = 300;

  static SoakSettings fromSystemProperties() {
    return new SoakSettings(
        Double.parseDouble(System.getProperty("soak.minutes", "2")),
        Long.getLong("soak.seed", new Random().nextLong() & 0xffffffffL),
        Double.parseDouble(System.getProperty("soak.faultRate", "0.08")),
        Double.parseDouble(System.getProperty("soak.liveFaultRate", "0.4")),
        Boolean.parseBoolean(System.getProperty("soak.strictCatchUp", "true")),
        Boolean.parseBoolean(System.getProperty("soak.strictTruncation", "true")),
        Boolean.parseBoolean(System.getProperty("soak.strictLiveWindow", "true")),
        Boolean.parseBoolean(System.getProperty("soak.strictTokenRace", "true")));
  }

  /** How long faults are injected, in nanoseconds. */
  long runNanos() {
    return (long) (minutes * 60e9);
  }

  /** The least number of acknowledged appends a run of this length must reach. */
  int leastAcknowledged() {
    return (int) (minutes * 60 * CHANGES_PER_SECOND / 4);
  }

  /** The line that opens a run's output: how to replay it. */
  String banner() {
    return "chaos soak: seed "
        + seed
        + " (replay with -Dsoak.seed="
        + seed
        + "), "
        + minutes
        + " min, fault rate "
        + faultRate;
  }
}
