package dev.rstream.chaos;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.chaos.FaultProxy.Fault;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.ProducerOptions;
import java.io.File;
import java.net.ServerSocket;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The parts of a chaos soak, wired and running: {@code server-stub} as a child process on a durable
 * store, accepting one bearer token at a time; a state stream with a keyframe every {@link
 * SoakSettings#KEYFRAME_CHANGES} changes; a {@link FaultProxy} in front of it; a {@link LogReplica}
 * reading the log straight from the server, and a {@link ViewVerifier} checking every live view
 * against it; a {@link SoakProducer} appending {@link SoakSettings#CHANGES_PER_SECOND} changes a
 * second through the proxy; {@link SoakClients} whose subscribers churn every 300 ms; a {@link
 * WindowAsker}; and the {@link DisruptionSchedule} of kills, reopens and token rotations, ready to
 * run.
 *
 * <p>Logs go to {@code target}: {@code soak-server.log} and {@code soak-faults.log}. Used from the
 * main thread; {@link #close()} ends everything, even on a rig half started.
 */
final class SoakRig implements AutoCloseable {
  final SoakSettings settings;
  final SoakFindings findings;
  final TokenIssuer tokens;
  final TokenLeakCheck leakCheck;
  final File serverLog;
  final ServerProcess server;
  final FaultLog faultLog;
  final SoakClients clients;
  final ClientFigures clientFigures = new ClientFigures();
  final DisruptionSchedule schedule;
  final FaultProxy proxy;
  final SoakHttp http;
  final LogReplica replica;
  final ViewVerifier verifier;
  final SoakProducer producer;
  final ScheduledExecutorService timers;
  final WindowAsker windows;
  final ResourceWatch resources;

  /** Starts every part; on a failure, closes what it started and throws. */
  SoakRig(SoakSettings settings, File dir, File target) throws Exception {
    this.settings = settings;
    /* Server kills, client reopens and tokens: the main thread's. */
    Random random = new Random(settings.seed());
    File tokenFile = new File(dir, "token");
    tokens = new TokenIssuer(tokenFile, random);
    findings = new SoakFindings(settings, tokens);
    leakCheck = new TokenLeakCheck(findings);
    serverLog = new File(target, "soak-server.log");
    try {
      int port;
      try (ServerSocket free = new ServerSocket(0)) {
        port = free.getLocalPort();
      }
      tokens.rotate();
      leakCheck.install();
      server =
          new ServerProcess(
              port,
              new File(dir, "server-data"),
              serverLog,
              List.of(
                  "--long-poll-timeout",
                  "3",
                  "--sse-cycle",
                  "20",
                  "--bearer-token-file",
                  tokenFile.getPath()));
      server.start();
      faultLog = new FaultLog(new File(target, "soak-faults.log"));
      clients = new SoakClients(new Random(settings.seed() + 2), findings);
      schedule = new DisruptionSchedule(random, server, tokens, clients, faultLog);
      // TRUNCATE_BODY is not drawn: a body complete by its framing that stops inside its JSON is a
      // server's error by contract (ProtocolException, not retried), so it would end subscribers by
      // design. Bodies cut by the connection (DROP_IN_BODY, DROP_IN_EVENT, RESET) stay in the mix.
      proxy =
          FaultProxy.builder()
              .upstreamPort(port)
              .seed(settings.seed())
              .faultRate(settings.faultRate())
              .liveFaultRate(settings.liveFaultRate())
              .stallMillis(6_000)
              .kinds(EnumSet.complementOf(EnumSet.of(Fault.TOKEN_EXPIRED, Fault.TRUNCATE_BODY)))
              .listener(schedule::onFault)
              .start();
      http = new SoakHttp(port, proxy.port(), tokens);
      http.createStream();

      replica = new LogReplica(http.direct(), http.directUrl(), findings::violation);
      replica.start();
      verifier = new ViewVerifier(replica, findings, settings);
      verifier.start();

      DurableStream stream =
          DurableStream.builder()
              .url(http.proxiedUrl())
              .okHttpClient(http.proxied("producer"))
              .authToken(tokens.supplier())
              .build();
      producer =
          new SoakProducer(
              stream.producer(ProducerOptions.builder("soak-producer").build()),
              new Random(settings.seed() + 1),
              findings);
      timers = Executors.newScheduledThreadPool(2);
      timers.scheduleAtFixedRate(
          producer::produceOne, 0, 1_000 / SoakSettings.CHANGES_PER_SECOND, MILLISECONDS);

      clients.open(
          dir, new SoakClient.Wiring(http, tokens, verifier, clientFigures, findings, replica));
      timers.scheduleWithFixedDelay(clients::churn, 500, 300, MILLISECONDS);
      windows = new WindowAsker(settings, replica, clients, findings);
      windows.start();
      resources = new ResourceWatch(replica, proxy);
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  /** Ends the churn, the producer's timer and the window questions; what was asked is answered. */
  void stopChurnAndWindows() throws InterruptedException {
    windows.stop();
    timers.shutdown();
    assertThat(timers.awaitTermination(30, SECONDS)).isTrue();
    windows.awaitStopped();
  }

  /**
   * Closes every client and the producer, then waits up to 30 s for the proxy's connections to go;
   * returns how many are left.
   */
  int closeClientsAndCountConnections() throws InterruptedException {
    clients.close();
    producer.detach(30, SECONDS);
    http.evictProxiedConnections();
    long deadline = System.nanoTime() + SECONDS.toNanos(30);
    while (proxy.openConnections() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      http.evictProxiedConnections();
    }
    return proxy.openConnections();
  }

  /** Stops and closes every part. Every field is checked: a failed constructor calls this too. */
  @Override
  public void close() {
    if (windows != null) windows.stop();
    leakCheck.uninstall();
    if (timers != null) timers.shutdownNow();
    if (clients != null) clients.close();
    if (replica != null) replica.close();
    if (proxy != null) proxy.close();
    if (server != null) server.close();
    if (faultLog != null) faultLog.close();
    if (verifier != null) verifier.stop();
    if (http != null) http.close();
  }
}
