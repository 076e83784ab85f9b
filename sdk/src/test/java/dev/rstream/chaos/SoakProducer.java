package dev.rstream.chaos;

import dev.rstream.durable.IdempotentProducer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak's writer: one seeded change per {@link #produceOne()} through an {@link
 * IdempotentProducer}, inserts, updates and deletes of 100 orders and 20 desks, each numbered in
 * {@code headers.txid} so that the {@link LogReplica} can tell every change apart. It remembers
 * which appends were acknowledged. {@link #produceOne()} runs on one timer thread; the figures may
 * be read from any.
 */
final class SoakProducer {
  private final IdempotentProducer producer;
  private final Random random;
  private final SoakFindings findings;
  private final Map<String, Boolean> exists = new HashMap<>();
  private final BitSet acked = new BitSet();
  private final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
  private final AtomicLong nextSeq = new AtomicLong();

  SoakProducer(IdempotentProducer producer, Random random, SoakFindings findings) {
    this.producer = producer;
    this.random = random;
    this.findings = findings;
  }

  /** Appends the next change; a failed append is a violation. */
  void produceOne() {
    try {
      long seq = nextSeq.getAndIncrement();
      String type = random.nextInt(5) == 0 ? "desk" : "order";
      String key =
          (type.equals("desk") ? "d" : "o") + random.nextInt(type.equals("desk") ? 20 : 100);
      boolean present = exists.getOrDefault(type + "/" + key, false);
      String operation =
          present && random.nextInt(5) == 0 ? "delete" : present ? "update" : "insert";
      exists.put(type + "/" + key, !operation.equals("delete"));
      String value =
          operation.equals("delete")
              ? ""
              : ",\"value\":{\"seq\":" + seq + ",\"qty\":" + random.nextInt(10_000) + "}";
      String json =
          "{\"type\":\""
              + type
              + "\",\"key\":\""
              + key
              + "\""
              + value
              + ",\"headers\":{\"operation\":\""
              + operation
              + "\",\"txid\":\""
              + seq
              + "\"}}";
      producer
          .appendJson(json)
          .subscribe(
              result -> {
                synchronized (acked) {
                  acked.set((int) seq);
                }
              },
              error -> {
                if (errors.size() < 10) errors.add(error);
                findings.violation("producer append " + seq + " failed: " + error);
              });
    } catch (RuntimeException e) {
      errors.add(e);
    }
  }

  /** Whether every append is acknowledged within {@code timeout}. */
  boolean flush(long timeout, TimeUnit unit) {
    return producer.flush().blockingAwait(timeout, unit);
  }

  /** Detaches the producer, waiting up to {@code timeout}. */
  void detach(long timeout, TimeUnit unit) {
    producer.detach().blockingAwait(timeout, unit);
  }

  /** Changes appended so far, acknowledged or not. */
  long appended() {
    return nextSeq.get();
  }

  /** Appends acknowledged so far. */
  int acknowledged() {
    synchronized (acked) {
      return acked.cardinality();
    }
  }

  /**
   * How many acknowledged appends {@code replica} lacks; the first five are reported as violations.
   */
  int missingFrom(LogReplica replica) {
    int missing = 0;
    synchronized (acked) {
      for (int seq = acked.nextSetBit(0); seq >= 0; seq = acked.nextSetBit(seq + 1)) {
        if (!replica.contains(seq)) {
          missing++;
          if (missing <= 5) findings.violation("acknowledged append " + seq + " is not in the log");
        }
      }
    }
    return missing;
  }

  /** The producer's failures: the first ten failed appends, and any append that threw. */
  List<Throwable> errors() {
    return new ArrayList<>(errors);
  }
}
