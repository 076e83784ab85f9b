package dev.rstream.chaos;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.LocalStore;
import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import dev.rstream.SqliteStore;
import dev.rstream.testing.UndeliveredRxErrors;
import java.io.File;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos soak: minutes of seeded faults between 20 clients and a {@code server-stub} that is
 * killed with SIGKILL now and then, with the SDK's promises checked as it runs.
 *
 * <p>Set-up ({@link SoakRig}): {@code server-stub} as a child process on a durable store, a state
 * stream with a keyframe every 300 changes, a {@link FaultProxy} in front of it. An idempotent
 * producer appends 50 changes a second through the proxy, each numbered in {@code headers.txid}. 20
 * {@link RStreamClient}s (half on {@link LocalStore#inMemory()}, half on {@link SqliteStore}) keep
 * a few {@code live()} subscribers that come and go, and ask {@code window(ts)} at random past
 * times; a few clients are closed and reopened on their store, the server's token is rotated now
 * and then ({@link DisruptionSchedule}). A {@link LogReplica} reads the log straight from the
 * server and is the reference.
 *
 * <p>Invariants, checked as it runs: each subscriber's views follow the log append by append, and
 * each view's state equals the replica's at that point ({@link ViewVerifier}); every {@code
 * window(ts)} answer equals the replica's state at {@code ts} ({@link WindowAsker}); no token
 * reaches a log ({@link TokenLeakCheck}); every acknowledged append is in the log exactly once; at
 * the end every client's state equals the server's; heap per change, threads and open connections
 * stay bounded.
 *
 * <p>Knobs: {@link SoakSettings} ({@code -Dsoak.minutes}, {@code -Dsoak.seed} to replay a run's
 * faults, ...). The {@link SoakSummary} goes to standard output and {@code
 * target/soak-summary.txt}.
 */
class ChaosSoakTest {
  @TempDir File dir;

  private final SoakSettings settings = SoakSettings.fromSystemProperties();
  private final UndeliveredRxErrors undelivered = new UndeliveredRxErrors();
  private @Nullable SoakRig rig;

  @AfterEach
  void tearDown() {
    undelivered.uninstall();
    if (rig != null) rig.close();
  }

  @Test
  void everyClientEndsWithTheServersStateThroughMinutesOfFaultsAndServerKills() throws Exception {
    System.out.println(settings.banner());
    undelivered.install();
    File target = new File(System.getProperty("user.dir"), "target");
    target.mkdirs();
    SoakRig soak = new SoakRig(settings, dir, target);
    rig = soak;

    // The run: server kills, client reopens and token rotations at seeded times; resources sampled
    // meanwhile.
    soak.schedule.run(settings.runNanos(), soak.resources);

    // Convergence: no new faults, the producer drains, every client reaches the server's tail.
    soak.stopChurnAndWindows();
    soak.proxy.faultRate(0, 0);
    if (!soak.server.running()) soak.server.start();
    assertThat(soak.producer.flush(120, SECONDS)).as("producer flushed").isTrue();
    Offset tail = soak.http.tail();
    assertThat(soak.replica.awaitOffset(tail, 60, SECONDS))
        .as("replica reads the log up to %s", tail)
        .isTrue();
    soak.verifier.drain();
    soak.clients.checkConverged(tail, soak.replica.hash());
    soak.verifier.drain();
    soak.resources.takeLast();

    // Every acknowledged append exactly once (duplicates were reported while reading).
    int acknowledged = soak.producer.acknowledged();
    int missing = soak.producer.missingFrom(soak.replica);

    // No leak: every connection goes once the clients are closed and the pool evicted; no token in
    // server-stub's log either.
    int connectionsLeft = soak.closeClientsAndCountConnections();
    soak.leakCheck.checkServerLog(soak.serverLog);

    SoakSummary.publish(
        SoakSummary.of(
            soak, tail, acknowledged, missing, connectionsLeft, undelivered.errors().size()),
        new File(target, "soak-summary.txt"));

    assertThat(soak.findings.violations())
        .as("invariant violations (seed %s)", settings.seed())
        .isEmpty();
    assertThat(soak.producer.errors()).as("producer failures").isEmpty();
    assertThat(missing).as("acknowledged appends missing from the log").isZero();
    assertThat(acknowledged).as("acknowledged appends").isGreaterThan(settings.leastAcknowledged());
    assertThat(soak.proxy.totalFaults()).as("faults injected").isPositive();
    assertThat(soak.schedule.serverRestarts()).as("server restarts").isPositive();
    assertThat(soak.tokens.renewals()).as("token renewals after an expiry").isPositive();
    assertThat(soak.verifier.checked()).as("views checked").isPositive();
    assertThat(soak.windows.figures().checked()).as("window answers checked").isPositive();
    assertThat(connectionsLeft).as("connections left open after every client closed").isZero();
    assertThat(soak.resources.maxConnections())
        .as("most connections open at once")
        .isLessThanOrEqualTo(SoakSettings.CLIENTS * 6 + 20);
    assertThat(soak.resources.maxThreads())
        .as("most SDK-side threads at once")
        .isLessThanOrEqualTo(400);
    assertThat(soak.resources.heapBytesPerChangePerClient())
        .as("heap growth per change per client, bytes")
        .isLessThan(4_096);
  }
}
