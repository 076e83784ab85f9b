package dev.rstream.benchmarks.sse;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A companion to {@link SseParseBenchmark} for a busy machine: it measures each parse in the
 * thread's own CPU time and allocated bytes, so time spent descheduled by other processes does not
 * count. Parsers run interleaved, in rounds, and the best round after warm-up is reported. JMH
 * stays the reference when the machine is quiet.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.rstream.benchmarks.sse.SseParseCpuTime</pre>
 */
public final class SseParseCpuTime {
  private static final int WARMUP_ROUNDS = 4;
  private static final int ROUNDS = 12;
  private static final long ROUND_CPU_NANOS = 300_000_000L;

  private SseParseCpuTime() {}

  /** Prints one line per stream and parser: MB per CPU-second and bytes allocated per event. */
  public static void main(String[] args) throws IOException {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long threadId = Thread.currentThread().getId();
    CountingSink sink = new CountingSink();
    System.out.printf("%-28s %-13s %12s %14s%n", "stream", "parser", "MB/cpu-s", "alloc B/event");
    for (RecordedStream stream : RecordedStream.values()) {
      Map<SseParser, double[]> best = new EnumMap<>(SseParser.class);
      for (int round = 0; round < ROUNDS; round++) {
        for (SseParser parser : SseParser.values()) {
          long cpuStart = threads.getCurrentThreadCpuTime();
          long allocatedStart = threads.getThreadAllocatedBytes(threadId);
          long events = 0;
          long parses = 0;
          while (threads.getCurrentThreadCpuTime() - cpuStart < ROUND_CPU_NANOS) {
            events += parser.parse(stream, sink);
            parses++;
          }
          long cpu = threads.getCurrentThreadCpuTime() - cpuStart;
          long allocated = threads.getThreadAllocatedBytes(threadId) - allocatedStart;
          double megabytesPerCpuSecond = parses * stream.bytes().length / (cpu / 1e3);
          double bytesPerEvent = (double) allocated / events;
          double[] result = best.computeIfAbsent(parser, p -> new double[] {0, Double.MAX_VALUE});
          if (round >= WARMUP_ROUNDS) {
            result[0] = Math.max(result[0], megabytesPerCpuSecond);
            result[1] = Math.min(result[1], bytesPerEvent);
          }
        }
      }
      for (Map.Entry<SseParser, double[]> entry : best.entrySet()) {
        System.out.printf(
            Locale.ROOT,
            "%-28s %-13s %12.1f %14.1f%n",
            stream,
            entry.getKey(),
            entry.getValue()[0],
            entry.getValue()[1]);
      }
    }
    if (sink.checksum == 42) System.out.println(); // Keeps the sink's work observable.
  }

  /** Touches every event so the JIT cannot drop the parse. */
  private static final class CountingSink implements EventSink {
    long checksum;

    @Override
    public void event(String type, String data, @Nullable String lastEventId) {
      checksum += type.length() + data.length() + (lastEventId == null ? 0 : 1);
    }
  }
}
