package dev.rstream.benchmarks.cache;

import dev.rstream.server.StubServer;
import java.time.Duration;

/**
 * The origin of {@link CacheScaleOut}, run in its own JVM so that its CPU time is measured apart
 * from the thousand clients: {@code CacheOrigin <port> <maxReadBytes> <longPollSeconds>}. Serves
 * until its standard input closes (the parent exits or closes it).
 */
public final class CacheOrigin {
  private CacheOrigin() {}

  /** Starts server-stub in memory on 127.0.0.1 and blocks until stdin reaches end of file. */
  public static void main(String[] args) throws Exception {
    try (StubServer server =
        StubServer.builder()
            .port(Integer.parseInt(args[0]))
            .maxReadBytes(Integer.parseInt(args[1]))
            .longPollTimeout(Duration.ofSeconds(Long.parseLong(args[2])))
            .maxThreads(64)
            .build()
            .start()) {
      System.out.println("listening " + server.url());
      System.out.flush();
      while (System.in.read() != -1) {
        // Nothing is read: end of file is the stop signal.
      }
    }
  }
}
