package dev.rstream.benchmarks.memory;

import dev.rstream.RStreamClient;
import dev.rstream.WindowInfo;
import dev.rstream.server.StubServer;
import dev.rstream.testing.WindowedHistory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Heap a client retains after scrubbing {@code window(t)} over 1,000 windows of an in-process
 * server-stub (memory store, loopback), with no memory budget, the default budget and a small one.
 * Each window holds a keyframe of 16 entities and 16 updates of 1 KiB values. Heap is measured
 * through {@link MemoryMXBean} after collections, before and after the scrub, with the client still
 * reachable; the client keeps no local store, so dropped windows are read again from the server.
 *
 * <p>Usage: {@code ScrubMemory [--windows N]}. Prints one line per budget.
 */
public final class ScrubMemory {
  private static final int ENTITIES = 16;
  private static final int VALUE_BYTES = 1024;

  private ScrubMemory() {}

  public static void main(String[] args) throws Exception {
    int windows = 1000;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--windows")) windows = Integer.parseInt(args[++i]);
      else throw new IllegalArgumentException("usage: ScrubMemory [--windows N]");
    }
    OkHttpClient http = new OkHttpClient();
    try (StubServer server = StubServer.builder().memory().build().start()) {
      String url = server.streamUrl("bench/scrub");
      create(http, url);
      WindowedHistory history =
          new WindowedHistory(
              http, url, Instant.parse("2020-01-01T00:00:00Z"), ENTITIES, VALUE_BYTES);
      int batches = history.writeUntilWindows(0, windows + 1);
      System.out.printf(
          Locale.ROOT,
          "%d windows (%d batches of %d x %d B values), scrubbed once each%n",
          windows,
          batches,
          ENTITIES,
          VALUE_BYTES);
      long[] budgets = {Long.MAX_VALUE, RStreamClient.Builder.DEFAULT_MEMORY_BUDGET, 1L << 20};
      for (long budget : budgets) scrub(http, url, history, batches, budget);
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  private static void scrub(
      OkHttpClient http, String url, WindowedHistory history, int batches, long budget) {
    try (RStreamClient client =
        RStreamClient.builder().streamUrl(url).okHttpClient(http).memoryBudget(budget).build()) {
      client.window(history.time(0)).timeout(30, TimeUnit.SECONDS).blockingLast();
      long before = usedHeapAfterGc();
      for (int b = 1; b < batches - 1; b++) {
        client.window(history.time(b)).timeout(30, TimeUnit.SECONDS).blockingLast();
      }
      long after = usedHeapAfterGc();
      List<WindowInfo> set = client.windows().blockingFirst();
      long held = set.stream().filter(WindowInfo::held).count();
      System.out.printf(
          Locale.ROOT,
          "budget %-9s heap grown by the scrub %6.1f MiB, windows held %d of %d%n",
          budget == Long.MAX_VALUE ? "none" : (budget >> 20) + " MiB",
          (after - before) / (double) (1 << 20),
          held,
          set.size());
    }
  }

  private static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      memory.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  private static void create(OkHttpClient http, String url) throws IOException {
    Request put =
        new Request.Builder()
            .url(url)
            .header("Rstream-Keyframes", "changes=" + ENTITIES + ", interval=3600s")
            .put(RequestBody.create(new byte[0], MediaType.get("application/json")))
            .build();
    try (Response response = http.newCall(put).execute()) {
      if (!response.isSuccessful()) throw new IOException("PUT " + url + ": " + response.code());
    }
  }
}
