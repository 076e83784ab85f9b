package dev.rstream.benchmarks.sse;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Parses one whole {@link RecordedStream} per operation with each {@link SseParser}. The {@code
 * bytes} counter turns ops/s into bytes/s; run with {@code -prof gc} for allocation per operation
 * (one operation = one stream).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar SseParseBenchmark -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SseParseBenchmark {
  @Param({"SMALL_EVENTS", "LARGE_EVENTS", "SMALL_EVENTS_ONE_BYTE_READS"})
  public RecordedStream stream = RecordedStream.SMALL_EVENTS;

  /**
   * Receives the events. Set by {@link #setUp} under JMH; the smoke test sets a recording sink
   * instead and calls the benchmark methods directly.
   */
  public @Nullable EventSink sink;

  /** Bytes parsed, reported by JMH as a rate next to ops/s. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class ParsedBytes {
    public long bytes;

    @Setup(Level.Iteration)
    public void reset() {
      bytes = 0;
    }
  }

  @Setup
  public void setUp(Blackhole blackhole) {
    if (sink == null) sink = new BlackholeSink(blackhole);
  }

  @Benchmark
  public int rstream(ParsedBytes parsed) throws IOException {
    return run(SseParser.RSTREAM, parsed);
  }

  @Benchmark
  public int okhttp(ParsedBytes parsed) throws IOException {
    return run(SseParser.OKHTTP, parsed);
  }

  @Benchmark
  public int launchDarkly(ParsedBytes parsed) throws IOException {
    return run(SseParser.LAUNCHDARKLY, parsed);
  }

  private int run(SseParser parser, ParsedBytes parsed) throws IOException {
    EventSink sink = this.sink;
    if (sink == null) throw new IllegalStateException("setUp() not called");
    int events = parser.parse(stream, sink);
    parsed.bytes += stream.bytes().length;
    return events;
  }

  private static final class BlackholeSink implements EventSink {
    private final Blackhole blackhole;

    BlackholeSink(Blackhole blackhole) {
      this.blackhole = blackhole;
    }

    @Override
    public void event(String type, String data, @Nullable String lastEventId) {
      blackhole.consume(type);
      blackhole.consume(data);
      blackhole.consume(lastEventId);
    }
  }
}
