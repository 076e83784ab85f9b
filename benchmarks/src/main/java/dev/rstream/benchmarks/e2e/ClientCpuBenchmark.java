package dev.rstream.benchmarks.e2e;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.rstream.internal.state.RawJsonInput;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.state.StateMessageDecoder;
import dev.rstream.internal.window.WindowAssembler;
import java.io.ByteArrayInputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The client's own share of a catch-up, without the network or the server: the catch-up bodies of
 * an N-message stream are fetched once into memory, then read alternately by Jackson's streaming
 * parser into nothing (the raw limit's parse) and by the SDK's decoder and window assembler (what
 * {@code live()} does with each read batch, 1,000 messages by default). Prints CPU time of the
 * reading thread, wall time and GC time per run. For profiling; not part of the figures.
 *
 * <p>{@code java -Xmx8g -Xms2g -cp benchmarks/target/benchmarks.jar
 * dev.rstream.benchmarks.e2e.ClientCpuBenchmark [messages=1000000] [runs=4] [batch=1000]}
 */
public final class ClientCpuBenchmark {
  private ClientCpuBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int batchSize = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
    List<byte[]> bodies = new ArrayList<>();
    try (Loopback loopback = new Loopback()) {
      String url = loopback.createStateStream("cpu", Integer.MAX_VALUE);
      loopback.populate(url, n, 5_000, OrderHistory::orderInsert);
      OkHttpClient http = new OkHttpClient();
      String offset = "-1";
      while (true) {
        try (Response response =
            http.newCall(new Request.Builder().url(url + "?offset=" + offset).build()).execute()) {
          bodies.add(response.body().bytes());
          String next = response.header("Stream-Next-Offset");
          if ("true".equals(response.header("Stream-Up-To-Date"))
              || next == null
              || next.equals(offset)) break;
          offset = next;
        }
      }
    }
    long total = 0;
    for (byte[] body : bodies) total += body.length;
    System.out.printf(
        Locale.ROOT, "%d messages in %d bodies, %,d bytes%n", n, bodies.size(), total);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    JsonFactory json = new JsonFactory();
    for (int run = 0; run < runs; run++) {
      System.gc();
      long cpu0 = threads.getCurrentThreadCpuTime();
      long wall0 = System.nanoTime();
      for (byte[] body : bodies) {
        try (JsonParser parser = json.createParser(new ByteArrayInputStream(body))) {
          parser.nextToken();
          while (parser.nextToken() == JsonToken.START_OBJECT) parser.skipChildren();
        }
      }
      long rawCpu = threads.getCurrentThreadCpuTime() - cpu0;
      long rawWall = System.nanoTime() - wall0;
      System.gc();
      long gc0 = gcMillis();
      cpu0 = threads.getCurrentThreadCpuTime();
      wall0 = System.nanoTime();
      WindowAssembler assembler = WindowAssembler.fromStreamStart();
      StateMessageDecoder decoder = new StateMessageDecoder();
      for (byte[] body : bodies) {
        try (JsonParser parser =
            json.createParser(new RawJsonInput(new ByteArrayInputStream(body)))) {
          parser.nextToken();
          List<StateMessage> batch = new ArrayList<>();
          while (parser.nextToken() == JsonToken.START_OBJECT) {
            batch.add(decoder.decode(parser));
            if (batch.size() == batchSize) {
              for (StateMessage message : batch) assembler.accept(message);
              assembler.current();
              batch.clear();
            }
          }
          for (StateMessage message : batch) assembler.accept(message);
          assembler.current();
        }
      }
      long sdkCpu = threads.getCurrentThreadCpuTime() - cpu0;
      long sdkWall = System.nanoTime() - wall0;
      long gc = gcMillis() - gc0;
      System.out.printf(
          Locale.ROOT,
          "run %d: raw parse cpu %.0f ms (wall %.0f ms) | decode + apply cpu %.0f ms (wall %.0f ms, gc %d ms), %d entities%n",
          run,
          rawCpu / 1e6,
          rawWall / 1e6,
          sdkCpu / 1e6,
          sdkWall / 1e6,
          gc,
          assembler.current().state().size());
    }
    System.exit(0);
  }

  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
      total += gc.getCollectionTime();
    return total;
  }
}
