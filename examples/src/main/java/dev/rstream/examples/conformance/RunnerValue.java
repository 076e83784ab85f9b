package dev.rstream.examples.conformance;

import static java.util.Objects.requireNonNull;

import dev.rstream.durable.DynamicValue;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A dynamic header or query parameter configured by the runner ({@code set-dynamic-header}, {@code
 * set-dynamic-param}). The library asks it for a value on every request; it hands out a fresh one
 * each time and records the first one of the current command in {@code sent}, which the adapter
 * reports as {@code headersSent} / {@code paramsSent}.
 *
 * <p>Thread-safe: the library calls it on OkHttp and I/O threads.
 */
final class RunnerValue implements DynamicValue {
  /** What the runner asked for. */
  enum Kind {
    /** 1, 2, 3, ...: one more for every request. */
    COUNTER,
    /** The wall-clock time in milliseconds. */
    TIMESTAMP,
    /** A fixed string (a bearer token) that the runner replaces with a new setting. */
    TOKEN;

    static Kind of(String valueType) {
      switch (valueType) {
        case "counter":
          return COUNTER;
        case "timestamp":
          return TIMESTAMP;
        case "token":
          return TOKEN;
        default:
          throw new IllegalArgumentException("unknown valueType: " + valueType);
      }
    }
  }

  private final String name;
  private final Kind kind;
  private final String token;
  private final AtomicLong counter = new AtomicLong();
  private final Map<String, String> sent;

  RunnerValue(String name, Kind kind, @Nullable String token, Map<String, String> sent) {
    this.name = requireNonNull(name, "name == null");
    this.kind = requireNonNull(kind, "kind == null");
    this.token = token != null ? token : "";
    this.sent = requireNonNull(sent, "sent == null");
  }

  @Override
  public String value() {
    String value;
    switch (kind) {
      case COUNTER:
        value = Long.toString(counter.incrementAndGet());
        break;
      case TIMESTAMP:
        value = Long.toString(System.currentTimeMillis());
        break;
      default:
        value = token;
    }
    sent.putIfAbsent(name, value);
    return value;
  }
}
