package dev.rstream.chaos;

import dev.rstream.chaos.FaultProxy.Fault;
import dev.rstream.chaos.FaultProxy.Listener;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Which faults the {@link FaultProxy} injects and when: the kinds enabled, the rates at which an
 * exchange draws one, where in a response a drawn response fault strikes, and the count of those
 * that happened. Every draw comes from the connection's own {@link Random}, passed in, so that a
 * seed replays the same faults. Thread-safe; the rates may change at any time.
 */
final class FaultSchedule {
  private static final Set<Fault> REQUEST_FAULTS =
      EnumSet.of(
          Fault.DROP_IN_REQUEST,
          Fault.DELAY,
          Fault.STATUS_503,
          Fault.STATUS_429,
          Fault.RESET,
          Fault.TOKEN_EXPIRED);
  private static final Set<Fault> SSE_FAULTS =
      EnumSet.of(
          Fault.DROP_IN_EVENT,
          Fault.DROP_BETWEEN_EVENTS,
          Fault.STALL,
          Fault.TRUNCATE_BODY,
          Fault.SLOW_DRIP,
          Fault.RESET);
  private static final Set<Fault> BODY_FAULTS =
      EnumSet.of(
          Fault.DROP_IN_BODY, Fault.STALL, Fault.TRUNCATE_BODY, Fault.SLOW_DRIP, Fault.RESET);

  private final Set<Fault> kinds;
  private final long stallMillis;
  private final Listener listener;
  private volatile double faultRate;
  private volatile double liveFaultRate;
  private final Map<Fault, AtomicLong> counts = new EnumMap<>(Fault.class);

  FaultSchedule(
      Set<Fault> kinds,
      double faultRate,
      double liveFaultRate,
      long stallMillis,
      Listener listener) {
    this.kinds = EnumSet.copyOf(kinds);
    this.faultRate = faultRate;
    this.liveFaultRate = liveFaultRate;
    this.stallMillis = stallMillis;
    this.listener = listener;
    for (Fault fault : Fault.values()) counts.put(fault, new AtomicLong());
  }

  /** Sets the probability that an exchange draws a fault, for live reads and for the others. */
  void rates(double rate, double liveRate) {
    this.faultRate = rate;
    this.liveFaultRate = liveRate;
  }

  /** How long a {@link Fault#STALL} holds the connection silent. */
  long stallMillis() {
    return stallMillis;
  }

  /**
   * The fault one exchange draws, or null for none: whether it gets one at all (at the live or the
   * other rate), then one of the enabled kinds that fit a request or its response (an SSE response
   * if {@code sse}).
   */
  @Nullable Fault draw(Random random, boolean live, boolean sse) {
    double rate = live ? liveFaultRate : faultRate;
    if (!(rate > 0 && random.nextDouble() < rate)) return null;
    List<Fault> options = new ArrayList<>();
    for (Fault f : kinds)
      if (REQUEST_FAULTS.contains(f) || (sse ? SSE_FAULTS : BODY_FAULTS).contains(f))
        options.add(f);
    return options.isEmpty() ? null : options.get(random.nextInt(options.size()));
  }

  /**
   * Whether a drawn fault strikes the request (else the response); a reset strikes either, half and
   * half.
   */
  static boolean strikesRequest(Fault fault, Random random) {
    return fault == Fault.RESET ? random.nextBoolean() : REQUEST_FAULTS.contains(fault);
  }

  /**
   * Where a drawn response fault strikes this response, or null if it does not fit it (a body fault
   * on an empty body, an event fault on a JSON body).
   */
  @Nullable Strike strike(
      Fault fault, Random random, boolean sse, boolean chunked, long length, boolean noBody) {
    if (noBody || !(sse ? SSE_FAULTS : BODY_FAULTS).contains(fault)) return null;
    if (fault == Fault.DROP_BETWEEN_EVENTS) return new Strike(fault, 1 + random.nextInt(40));
    if (fault == Fault.TRUNCATE_BODY && !chunked && length <= 1) return null;
    // A live body is endless: strike within its first seconds. A catch-up body: anywhere in it.
    long span = length > 0 ? length : sse ? 16_384 : 4_096;
    long at =
        fault == Fault.TRUNCATE_BODY && length > 1
            ? 1 + (long) (random.nextDouble() * (length - 1))
            : (long) (random.nextDouble() * span);
    return new Strike(fault, at);
  }

  /** Counts a fault that happened and tells the listener, on the caller's thread. */
  void fired(Fault fault, Exchange exchange) {
    counts.get(fault).incrementAndGet();
    listener.onFault(fault, exchange.client(), exchange.method(), exchange.target());
  }

  /** Faults that happened so far, by kind (every kind present, in declaration order). */
  Map<Fault, Long> counts() {
    Map<Fault, Long> result = new LinkedHashMap<>();
    counts.forEach((fault, count) -> result.put(fault, count.get()));
    return result;
  }

  /** Faults that happened so far, all kinds. */
  long total() {
    long total = 0;
    for (AtomicLong count : counts.values()) total += count.get();
    return total;
  }

  /**
   * A response fault and where it strikes: the body byte, or for {@link Fault#DROP_BETWEEN_EVENTS}
   * the event boundary; the response side may move it on. One connection's thread owns it.
   */
  static final class Strike {
    final Fault fault;
    long at;

    Strike(Fault fault, long at) {
      this.fault = fault;
      this.at = at;
    }
  }
}
