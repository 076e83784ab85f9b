package dev.rstream.benchmarks.fanout;

import dev.rstream.server.StubServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * server-stub for {@link FanoutBenchmark}, in its own JVM so that the client load is not in its
 * heap, threads or CPU: {@code StubChild}. Prints {@code listening <url>}, then answers each {@code
 * stats} line on standard input with {@code stats <heap bytes after GC> <live threads> <live
 * readers> <busy pool threads>}, and stops when standard input ends.
 */
public final class StubChild {
  private StubChild() {}

  /** Starts server-stub in memory on 127.0.0.1, an ephemeral port. */
  public static void main(String[] args) throws Exception {
    try (StubServer server =
        StubServer.builder()
            .host("127.0.0.1")
            .port(0)
            // Spec 10.2 cycles SSE connections (60 s by default); the benchmark's raw client does
            // not reconnect, and a cycle would only add reconnects to what is measured.
            .sseCycle(Duration.ofMinutes(30))
            .build()
            .start()) {
      System.out.println("listening " + server.url());
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        if (line.equals("stats")) {
          System.gc();
          long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
          int threads = ManagementFactory.getThreadMXBean().getThreadCount();
          System.out.println(
              "stats "
                  + heap
                  + " "
                  + threads
                  + " "
                  + server.liveReaders()
                  + " "
                  + server.busyThreads());
          System.out.flush();
        }
      }
    }
  }
}
