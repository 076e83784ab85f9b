package dev.rstream.benchmarks.sse;

import org.jspecify.annotations.Nullable;

/** Where a parser under test puts each event: a Blackhole under JMH, a list in the smoke test. */
public interface EventSink {
  /** One dispatched event; {@code type} is "message" when the stream named none. */
  void event(String type, String data, @Nullable String lastEventId);
}
