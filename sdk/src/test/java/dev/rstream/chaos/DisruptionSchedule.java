package dev.rstream.chaos;

import static java.util.concurrent.TimeUnit.SECONDS;

import dev.rstream.chaos.FaultProxy.Fault;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * The disruptions beside the proxy's faults, at seeded times: server-stub killed with SIGKILL and
 * restarted after some down time (every 20 to 40 s), a random client closed and reopened on its
 * store (every 8 to 18 s), the server's token rotated so that every client's expires (every 10 to
 * 25 s). Each goes to the {@link FaultLog}, as does every fault the proxy reports to {@link
 * #onFault}. Runs on the main thread; {@link #onFault} on the proxy's.
 */
final class DisruptionSchedule {
  private final Random random;
  private final ServerProcess server;
  private final TokenIssuer tokens;
  private final SoakClients clients;
  private final FaultLog faultLog;
  private int serverRestarts;

  /**
   * @param random what every time and choice of the schedule derives from (shared with {@code
   *     tokens})
   */
  DisruptionSchedule(
      Random random,
      ServerProcess server,
      TokenIssuer tokens,
      SoakClients clients,
      FaultLog faultLog) {
    this.random = random;
    this.server = server;
    this.tokens = tokens;
    this.clients = clients;
    this.faultLog = faultLog;
  }

  /**
   * Runs the schedule for {@code runNanos}, sampling {@code resources} every 250 ms and taking
   * their baseline once the run is warm (a quarter in, at most 30 s).
   */
  void run(long runNanos, ResourceWatch resources) throws Exception {
    long start = System.nanoTime();
    long end = start + runNanos;
    long nextKill = start + SECONDS.toNanos(15 + random.nextInt(15));
    long nextReopen = start + SECONDS.toNanos(8 + random.nextInt(8));
    long nextRotation = start + SECONDS.toNanos(10 + random.nextInt(10));
    long baselineAt = start + Math.min(runNanos / 4, SECONDS.toNanos(30));
    while (System.nanoTime() < end) {
      long now = System.nanoTime();
      if (now >= nextKill) {
        killAndRestartServer();
        nextKill = System.nanoTime() + SECONDS.toNanos(20 + random.nextInt(20));
      } else if (now >= nextReopen) {
        reopen(clients.get(random.nextInt(SoakSettings.CLIENTS)));
        nextReopen = System.nanoTime() + SECONDS.toNanos(8 + random.nextInt(10));
      } else if (now >= nextRotation) {
        rotateToken();
        nextRotation = System.nanoTime() + SECONDS.toNanos(10 + random.nextInt(15));
      } else if (!resources.hasBaseline() && now >= baselineAt) {
        resources.takeBaseline();
      }
      resources.sample();
      Thread.sleep(250);
    }
    if (!resources.hasBaseline()) resources.takeBaseline();
  }

  /** Logs a fault of the proxy's and, on a client's live read, starts its fault-to-state clock. */
  void onFault(Fault fault, @Nullable String client, String method, String target) {
    faultLog.record(client + " " + fault + " " + method + " " + target);
    if (client == null || !target.contains("live=")) return;
    clients.faulted(client, System.nanoTime());
  }

  /** Server restarts so far. */
  int serverRestarts() {
    return serverRestarts;
  }

  private void killAndRestartServer() throws Exception {
    faultLog.record("server SIGKILL");
    server.kill();
    clients.serverKilled(System.nanoTime());
    Thread.sleep(300 + random.nextInt(1_700)); // down time: part of the fault mix, not a wait
    server.start();
    serverRestarts++;
  }

  private void reopen(SoakClient client) {
    faultLog.record(client.name + " closed and reopened");
    client.reopen();
  }

  private void rotateToken() throws Exception {
    tokens.rotate();
    faultLog.record("token rotated to #" + tokens.rotations());
  }
}
