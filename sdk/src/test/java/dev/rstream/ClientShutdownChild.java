package dev.rstream;

import dev.rstream.durable.DurableStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The app {@link ClientShutdownTest} runs in a JVM of its own: uses a client built without an
 * {@code OkHttpClient} (or a {@link DurableStream} handle), closes it and returns from {@code
 * main}. The stream is a state stream for a client, a plain JSON one for a handle. Prints the
 * threads that would keep its JVM alive, if any are still running some seconds after close, then
 * {@code done}.
 */
public final class ClientShutdownChild {
  private ClientShutdownChild() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    if (args[1].equals("client")) {
      RStreamClient client = RStreamClient.builder().streamUrl(url).build();
      Offset written =
          client
              .append(Change.update("order", "o1", "{\"qty\":1}"))
              .timeout(20, TimeUnit.SECONDS)
              .blockingGet();
      client.awaitOffset(written).timeout(20, TimeUnit.SECONDS).blockingAwait();
      StateView state = client.live().timeout(20, TimeUnit.SECONDS).blockingFirst();
      System.out.println("read " + state.entities("order"));
      client.close();
    } else {
      DurableStream stream = DurableStream.builder().url(url).build();
      stream.appendJson("1").timeout(20, TimeUnit.SECONDS).blockingGet();
      stream.head().timeout(20, TimeUnit.SECONDS).blockingGet();
    }
    // The JVM exits when its last non-daemon thread ends; wait a while for them, then name them.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<String> alive = nonDaemonThreads();
    while (!alive.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50); // polling a condition with a deadline
      alive = nonDaemonThreads();
    }
    for (String name : alive) System.out.println("still running: " + name);
    System.out.println("done");
  }

  private static List<String> nonDaemonThreads() {
    List<String> names = new ArrayList<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.isAlive()
          && !thread.isDaemon()
          && thread != Thread.currentThread()
          && !thread.getName().equals("DestroyJavaVM")) {
        names.add(thread.getName());
      }
    }
    return names;
  }
}
