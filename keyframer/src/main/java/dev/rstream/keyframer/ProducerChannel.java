package dev.rstream.keyframer;

import dev.rstream.ProducerFencedException;
import dev.rstream.SequenceRegressionException;
import dev.rstream.durable.AppendOptions;
import dev.rstream.durable.AppendResult;
import dev.rstream.durable.DurableStream;

/**
 * The keyframer's writes to one stream: each append carries the idempotent-producer headers ({@code
 * Producer-Id}, {@code Producer-Epoch}, {@code Producer-Seq}) and a {@code Stream-Seq}.
 *
 * <p>Written by hand rather than through the SDK's batching {@code IdempotentProducer}, for two
 * things it does not do: claim an epoch once and then fail on fencing (its auto-claim would fence
 * the newer keyframer right back), and a {@code Stream-Seq} per append, which is what keeps two
 * keyframers that decide at once from both writing (docs/PROTOCOL.md 3.5): a keyframe carries the
 * position of the keyframe before it, an index entry its keyframe's position, so the second of two
 * appends made on the same knowledge is refused (409) whoever's epoch is newer.
 *
 * <p>Epochs: the first append starts at {@code initialEpoch} (the keyframer's start time in
 * milliseconds, so a later keyframer normally starts higher); if the server knows a higher epoch it
 * claims that one plus one, and if it knows the same one (a 204 duplicate on the first append) plus
 * one too. From the first accepted append on, a 403 means a newer keyframer claimed the stream:
 * {@link ProducerFencedException}. Retries of one request (by {@link DurableStream}, on transient
 * failures) keep its sequence number, so the server drops a repeat. Not thread-safe.
 */
final class ProducerChannel {
  private static final String JSON = "application/json";

  private final DurableStream stream;
  private final String producerId;
  private long epoch;
  private long seq;
  private boolean claimed;

  ProducerChannel(DurableStream stream, String producerId, long initialEpoch) {
    this.stream = stream;
    this.producerId = producerId;
    this.epoch = initialEpoch;
  }

  /**
   * Appends {@code body} (a JSON array: one append unit) with {@code Stream-Seq: streamSeq}.
   * Returns false when the server refused the {@code Stream-Seq} as not above its last one: another
   * keyframer wrote first, and nothing of {@code body} was appended.
   *
   * @throws ProducerFencedException when a newer keyframer claimed the stream
   */
  boolean append(byte[] body, String streamSeq) {
    while (true) {
      AppendOptions options =
          AppendOptions.builder()
              .seq(streamSeq)
              .header("Producer-Id", producerId)
              .header("Producer-Epoch", Long.toString(epoch))
              .header("Producer-Seq", Long.toString(seq))
              .build();
      AppendResult result;
      try {
        result = stream.append(body, JSON, options).blockingGet();
      } catch (ProducerFencedException e) {
        if (claimed) throw e;
        epoch = Math.max(epoch, e.currentEpoch()) + 1;
        seq = 0;
        continue;
      } catch (SequenceRegressionException e) {
        return false;
      }
      if (!claimed && result.status() == 204) {
        // Someone holds this very epoch: take the next one (Stream-Seq refuses our append there
        // if this one had landed after all).
        epoch++;
        seq = 0;
        continue;
      }
      claimed = true;
      seq++;
      return true;
    }
  }

  /** The epoch in use. */
  long epoch() {
    return epoch;
  }
}
