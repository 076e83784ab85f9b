package dev.rstream.chaos;

import dev.rstream.Offset;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The soak's {@link SoakSettings#CLIENTS} clients, half on memory and half on SQLite, and the churn
 * of their subscribers. Opened once on the main thread; then thread-safe.
 */
final class SoakClients {
  private final List<SoakClient> clients = new ArrayList<>();
  private final Map<String, SoakClient> byName = new ConcurrentHashMap<>();
  private final Random churnRandom;
  private final SoakFindings findings;

  /**
   * @param churnRandom which subscriber comes or goes (drawn on the churn timer's thread)
   */
  SoakClients(Random churnRandom, SoakFindings findings) {
    this.churnRandom = churnRandom;
    this.findings = findings;
  }

  /**
   * Opens every client, wired to {@code wiring}, on its store in {@code dir}, with one subscriber.
   */
  void open(File dir, SoakClient.Wiring wiring) {
    for (int i = 0; i < SoakSettings.CLIENTS; i++) {
      SoakClient client = new SoakClient(i, i % 2 == 1, dir, wiring);
      clients.add(client);
      byName.put(client.name, client);
      client.open();
      client.subscribe(0);
    }
  }

  /** Client {@code index}. */
  SoakClient get(int index) {
    return clients.get(index);
  }

  /** A subscriber of a random client comes, or goes (the churn timer, every 300 ms). */
  void churn() {
    try {
      SoakClient client = clients.get(churnRandom.nextInt(SoakSettings.CLIENTS));
      client.toggle(churnRandom.nextInt(SoakSettings.SUBSCRIBERS_PER_CLIENT));
    } catch (RuntimeException e) {
      findings.violation("churn: " + e);
    }
  }

  /** Starts the fault-to-state clock of the client named {@code name}, if there is one. */
  void faulted(String name, long nanos) {
    SoakClient client = byName.get(name);
    if (client != null) client.faulted(nanos, false);
  }

  /** Starts every client's fault-to-state clock: the server was killed at {@code nanos}. */
  void serverKilled(long nanos) {
    for (SoakClient client : clients) client.faulted(nanos, true);
  }

  /** Every client reaches {@code tail} and its live state's hash is {@code serverHash}. */
  void checkConverged(Offset tail, long serverHash) {
    for (SoakClient client : clients) client.checkConverged(tail, serverHash);
  }

  /** Closes every client. */
  void close() {
    for (SoakClient client : clients) client.close();
  }
}
