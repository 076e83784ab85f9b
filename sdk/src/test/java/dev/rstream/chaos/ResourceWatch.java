package dev.rstream.chaos;

import java.lang.management.ManagementFactory;
import org.jspecify.annotations.Nullable;

/**
 * What the soak costs the JVM: heap after GC and threads at a baseline and at the end, and the most
 * threads and proxied connections seen at once. Used from the main thread only.
 */
final class ResourceWatch {
  /** Heap used after GC, threads (the proxy's excluded) and changes in the log, at one moment. */
  record Sample(long heapBytes, int threads, int changes) {}

  private final LogReplica replica;
  private final FaultProxy proxy;
  private @Nullable Sample baseline;
  private @Nullable Sample last;
  private int maxThreads;
  private int maxConnections;

  ResourceWatch(LogReplica replica, FaultProxy proxy) {
    this.replica = replica;
    this.proxy = proxy;
  }

  /** Notes the threads and the proxy's open connections now, if they are the most yet. */
  void sample() {
    maxThreads = Math.max(maxThreads, sdkThreads());
    maxConnections = Math.max(maxConnections, proxy.openConnections());
  }

  boolean hasBaseline() {
    return baseline != null;
  }

  /** Measures the baseline, the run's state once warmed up. */
  void takeBaseline() {
    baseline = measure();
  }

  /** Measures the run's state at its end. */
  void takeLast() {
    last = measure();
  }

  Sample baseline() {
    if (baseline == null) throw new IllegalStateException("no baseline taken");
    return baseline;
  }

  Sample last() {
    if (last == null) throw new IllegalStateException("no last sample taken");
    return last;
  }

  /** Heap grown from the baseline to the end, per change appended meanwhile, per client. */
  double heapBytesPerChangePerClient() {
    long changes = Math.max(1, last().changes() - baseline().changes());
    return (double) Math.max(0, last().heapBytes() - baseline().heapBytes())
        / changes
        / SoakSettings.CLIENTS;
  }

  /** The most SDK-side threads seen at once. */
  int maxThreads() {
    return maxThreads;
  }

  /** The most connections open through the proxy at once. */
  int maxConnections() {
    return maxConnections;
  }

  private Sample measure() {
    // Several collections: one may leave garbage a finaliser or reference queue frees next.
    for (int i = 0; i < 3; i++) System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    return new Sample(heap, sdkThreads(), replica.changes());
  }

  /** Threads of the SDK and the test, without the proxy's (two per proxied connection). */
  private static int sdkThreads() {
    int n = 0;
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (!thread.getName().startsWith("fault-proxy")) n++;
    }
    return n;
  }
}
