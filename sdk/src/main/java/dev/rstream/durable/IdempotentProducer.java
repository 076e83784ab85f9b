package dev.rstream.durable;

import dev.rstream.ProducerFencedException;
import dev.rstream.SequenceConflictException;
import dev.rstream.StreamClosedException;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Single;
import org.jspecify.annotations.Nullable;

/**
 * Appends to one stream exactly once, in call order, with Kafka-style idempotence: every request
 * carries {@code Producer-Id}, {@code Producer-Epoch} and a per-batch {@code Producer-Seq}, and a
 * retried request keeps its sequence number, so the server drops duplicates.
 *
 * <p>Messages are batched (by bytes, by count, and for a short linger) and up to {@link
 * ProducerOptions#maxInFlight()} batches are in flight at once; the first batch of each epoch goes
 * alone, because the server requires a new epoch to start at sequence 0.
 *
 * <p>Unlike the rest of the API, {@link #append} and {@link #appendJson} are <em>hot</em>: the
 * message is queued when the method returns, whether or not the returned {@code Single} is ever
 * subscribed; the {@code Single} reports the outcome of the message's batch, on an OkHttp thread.
 * Disposing it does not withdraw the message.
 *
 * <p>A failure that retries cannot cure ({@link ProducerFencedException} without auto-claim, {@link
 * SequenceConflictException}, {@link StreamClosedException}, ...) fails the producer: that batch
 * and every later message fail with the same exception. With {@linkplain
 * ProducerOptions#autoClaim() auto-claim} a fence is cured by a new epoch, but a batch fenced after
 * an attempt whose answer was lost is not sent again (the server may have applied it, and under a
 * new epoch would apply it twice): it fails with a {@link dev.rstream.RejectedWriteException} whose
 * {@code mayHaveBeenApplied()} is true, and the producer goes on. Thread-safe.
 */
public interface IdempotentProducer {
  /**
   * Queues one JSON value as one message (for JSON streams). @throws IllegalArgumentException if it
   * is not one valid JSON value.
   */
  Single<AppendResult> appendJson(String json);

  /**
   * Queues JSON values as messages that travel in one request, never split across two: one append
   * unit, which readers see whole or not at all (for JSON streams). Other messages queued at the
   * same time may share the request.
   *
   * @throws IllegalArgumentException if {@code values} is empty or one is not one valid JSON value.
   */
  Single<AppendResult> appendJson(java.util.List<String> values);

  /** Queues raw bytes (for non-JSON streams: a batch's byte messages are concatenated). */
  Single<AppendResult> append(byte[] data);

  /** Completes when every message queued before the call is acknowledged; fails if one failed. */
  Completable flush();

  /**
   * Flushes, then closes the stream on the server with a final request (carrying {@code finalData}
   * if not null, in the producer's content type, or nothing) and stops the producer. Idempotent
   * when retried.
   */
  Single<AppendResult> closeStream(byte @Nullable [] finalData);

  /** Flushes and stops the producer without closing the stream; later appends and closes fail. */
  Completable detach();

  /** The epoch in use now (it changes after an auto-claim). */
  long epoch();

  /** The sequence number the next batch will carry. */
  long nextSeq();
}
